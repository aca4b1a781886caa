"""strawberry's schema extensions, their hooks looked up once per extension class.

For each phase of each operation (operation, parsing, validation, execution) strawberry
asks every extension for its hook afresh: the class attribute and SchemaExtension's
default, `inspect.isgeneratorfunction`, a bound method and `contextlib.contextmanager`
around it, which copies the function's metadata (`functools.update_wrapper`). With the
gateway's three extensions that is 12 lookups and 5 wrappers per operation, about a
tenth of a mutation's Python calls in process (docs/BENCHMARKS.md §17, "Eighth round").

A hook is a function of the extension's class, so what kind it is cannot change between
requests: here the context manager factory is made once per class and phase —
`contextmanager(hook)` called with the extension, which makes the same generator as
strawberry's `contextmanager(MethodType(hook, extension))()` — and each request only
binds it. Entering and leaving the hooks stays strawberry's (the same exit stack, the
same order and exception handling); a phase in which no extension has a hook enters
nothing. Hooks that are plain functions, and anything strawberry would refuse, still go
through strawberry's own `get_hook`.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
from typing import Any

from strawberry.extensions import SchemaExtension
from strawberry.extensions.context import (
    ExecutingContextManager,
    ExtensionContextManagerBase,
    OperationContextManager,
    ParsingContextManager,
    ValidationContextManager,
    WrappedHook,
)
from strawberry.extensions.runner import SchemaExtensionsRunner
from strawberry.schema import BaseSchema

_STRAWBERRY = object()
"""A hook that strawberry's `get_hook` wraps per request (a plain or async function)."""


_factories: dict[tuple[type, str], Any] = {}
"""By extension class and hook name (a handful: the schema's extensions' classes)."""


def _hook_factory(extension_class: type, hook_name: str) -> Any:
    """(context manager factory, is_async) for the class's hook, None if it has none
    (SchemaExtension's default), `_STRAWBERRY` for a hook of another kind."""
    key = (extension_class, hook_name)
    try:
        return _factories[key]
    except KeyError:
        pass
    hook = getattr(extension_class, hook_name)
    found: Any = _STRAWBERRY
    if hook is getattr(SchemaExtension, hook_name):
        found = None
    elif inspect.isgeneratorfunction(hook):
        found = contextlib.contextmanager(hook), False
    elif inspect.isasyncgenfunction(hook):
        found = contextlib.asynccontextmanager(hook), True
    _factories[key] = found
    return found


class _PreparedHooks(ExtensionContextManagerBase):
    """One phase's hooks, from factories made once per class (`_hook_factory`)."""

    __slots__ = ()

    def __init__(self, extensions: list[SchemaExtension]) -> None:
        self.hooks: list[WrappedHook] = []
        for extension in extensions:
            hook = self.get_hook(extension)
            if hook is not None:
                self.hooks.append(hook)

    def get_hook(self, extension: SchemaExtension) -> WrappedHook | None:
        prepared = _hook_factory(type(extension), self.HOOK_NAME)
        if prepared is None:
            return None
        if prepared is _STRAWBERRY:
            self.default_hook = getattr(SchemaExtension, self.HOOK_NAME)
            return super().get_hook(extension)
        factory, is_async = prepared
        return WrappedHook(extension, functools.partial(factory, extension), is_async)

    def __enter__(self) -> None:
        if self.hooks:
            super().__enter__()

    def __exit__(self, *exc_info: Any) -> None:
        if self.hooks:
            super().__exit__(*exc_info)

    async def __aenter__(self) -> None:
        if self.hooks:
            await super().__aenter__()

    async def __aexit__(self, *exc_info: Any) -> None:
        if self.hooks:
            await super().__aexit__(*exc_info)


class _Operation(_PreparedHooks, OperationContextManager):
    __slots__ = ()


class _Validation(_PreparedHooks, ValidationContextManager):
    __slots__ = ()


class _Parsing(_PreparedHooks, ParsingContextManager):
    __slots__ = ()


class _Executing(_PreparedHooks, ExecutingContextManager):
    __slots__ = ()


class PreparedExtensionsRunner(SchemaExtensionsRunner):
    """strawberry's runner, its four phases with prepared hooks."""

    def operation(self) -> OperationContextManager:
        return _Operation(self.extensions)

    def validation(self) -> ValidationContextManager:
        return _Validation(self.extensions)

    def parsing(self) -> ParsingContextManager:
        return _Parsing(self.extensions)

    def executing(self) -> ExecutingContextManager:
        return _Executing(self.extensions)


def run_prepared_hooks(schema: BaseSchema) -> None:
    """Run `schema`'s extensions with hooks looked up once per class."""
    schema.create_extensions_runner = PreparedExtensionsRunner  # type: ignore[attr-defined]
