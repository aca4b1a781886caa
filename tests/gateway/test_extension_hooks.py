"""`gateway.extension_hooks`: every kind of hook runs as with strawberry's own runner —
the same calls in the same order, the same exceptions seen, the same results."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import strawberry
from strawberry.extensions import SchemaExtension

from gateway.extension_hooks import PreparedExtensionsRunner, run_prepared_hooks
from gateway.schema import build_schema

Log = list[str]


def extensions_logging_to(log: Log) -> list[type[SchemaExtension]]:
    """Extensions with hooks of every kind strawberry accepts, each logging its steps."""

    class Generators(SchemaExtension):
        def on_operation(self) -> Iterator[None]:
            log.append("generators.operation enter")
            try:
                yield
            except Exception as exc:
                log.append(f"generators.operation saw {exc!r}")
                raise
            log.append(f"generators.operation exit {self.execution_context.result}")

        def on_validate(self) -> Iterator[None]:
            log.append("generators.validate enter")
            yield
            log.append("generators.validate exit")

    class AsyncGenerators(SchemaExtension):
        async def on_execute(self) -> AsyncIterator[None]:
            log.append("async.execute enter")
            yield
            log.append("async.execute exit")

        async def on_operation(self) -> AsyncIterator[None]:
            log.append("async.operation enter")
            yield
            log.append("async.operation exit")

    class Functions(SchemaExtension):
        def on_parse(self) -> None:  # type: ignore[override]
            log.append("function.parse")

        async def on_validate(self) -> None:  # type: ignore[override]
            log.append("async function.validate")

    class NoHooks(SchemaExtension):
        pass

    class Suppressing(SchemaExtension):
        def on_execute(self) -> Iterator[None]:
            log.append("suppressing.execute enter")
            try:
                yield
            except RuntimeError as exc:  # never reached: strawberry does not exit a phase
                log.append(f"suppressing.execute swallowed {exc!r}")

    return [Generators, AsyncGenerators, Functions, NoHooks, Suppressing]


@strawberry.type
class Query:
    @strawberry.field
    def hello(self) -> str:
        return "world"

    @strawberry.field
    def broken(self) -> str:
        raise ValueError("resolver failed")


def schema_logging_to(log: Log, *, prepared: bool) -> strawberry.Schema:
    schema = strawberry.Schema(query=Query, extensions=extensions_logging_to(log))
    if prepared:
        run_prepared_hooks(schema)
    return schema


@pytest.mark.parametrize(
    "query",
    [
        "{ hello }",
        "{ broken }",
        "{ hello",  # a syntax error
        "{ missing }",  # a validation error
        "",  # no query at all
    ],
)
async def test_hooks_run_as_with_strawberry_s_runner(query: str) -> None:
    theirs: Log = []
    ours: Log = []
    expected = await _outcome(schema_logging_to(theirs, prepared=False), query)
    got = await _outcome(schema_logging_to(ours, prepared=True), query)
    assert got == expected
    assert ours == theirs
    assert ours  # the hooks did run


@pytest.mark.parametrize("phase", ["on_parse", "on_execute"])
async def test_an_exception_in_a_hook_reaches_the_others_as_before(phase: str) -> None:
    """A hook failing as it is entered: the operation's hooks see the exception; those of
    its own phase entered before it are left as strawberry leaves them (not exited)."""

    def failing(log: Log) -> list[type[SchemaExtension]]:
        def hook(self: SchemaExtension) -> Iterator[None]:
            log.append(f"failing.{phase} enter")
            raise RuntimeError("hook failed")
            yield  # a generator all the same

        return [*extensions_logging_to(log), type("Failing", (SchemaExtension,), {phase: hook})]

    theirs: Log = []
    ours: Log = []
    plain = strawberry.Schema(query=Query, extensions=failing(theirs))
    prepared = strawberry.Schema(query=Query, extensions=failing(ours))
    run_prepared_hooks(prepared)
    assert await _outcome(prepared, "{ hello }") == await _outcome(plain, "{ hello }")
    assert ours == theirs
    assert "generators.operation saw RuntimeError('hook failed')" in ours


async def _outcome(schema: strawberry.Schema, query: str) -> Any:
    try:
        result = await schema.execute(query)
    except Exception as exc:
        return f"raised {exc!r}"
    return result.data, [str(e) for e in result.errors or ()], result.extensions


def test_the_gateway_schema_runs_prepared_hooks() -> None:
    assert build_schema().create_extensions_runner is PreparedExtensionsRunner


@pytest.mark.parametrize("query", ["{ hello }", "{ broken }", "{ hello"])
def test_sync_execution_runs_the_same_hooks(query: str) -> None:
    """`execute_sync` enters the phases with `with`: the sync hooks only."""

    def sync_extensions(log: Log) -> list[type[SchemaExtension]]:
        every = extensions_logging_to(log)
        return [every[0], every[3], every[4]]  # generators, no hooks, suppressing

    def outcome(log: Log, *, prepared: bool) -> Any:
        schema = strawberry.Schema(query=Query, extensions=sync_extensions(log))
        if prepared:
            run_prepared_hooks(schema)
        result = schema.execute_sync(query)
        return result.data, [str(e) for e in result.errors or ()]

    theirs: Log = []
    ours: Log = []
    assert outcome(ours, prepared=True) == outcome(theirs, prepared=False)
    assert ours == theirs
    assert "generators.operation enter" in ours
