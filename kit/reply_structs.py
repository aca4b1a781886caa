"""Service replies decoded by msgspec into structs derived from the contract models.

The gateway reads a reply and hands its fields to GraphQL; building pydantic models for
that was its largest cost (docs/BENCHMARKS.md §15). So it decodes with msgspec into
structs made here from the pydantic models, once per model: the same field names, the
same Python types (datetime, date, Decimal, UUID, the enums, nested lists), attribute
access and `model_dump()` as the gateway reads them. The contract is still written once,
in `contracts/`, and a field added there is in its struct too.

What is not repeated here, on purpose: the models' constraints (lengths, ranges, digits),
their validators and whitespace stripping. The service built its reply from these models,
so the reply has passed them already; the gateway checks the shape and the types only.
Unknown fields are still refused, as pydantic's `extra="forbid"` does.

A struct is not an instance of its model: code that must tell two reply models apart uses
`is_reply(value, Model)`, true for either form.
"""

from __future__ import annotations

import copy
import enum
import functools
import types
import typing
from collections.abc import Callable
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, ClassVar, TypeGuard, TypeVar
from uuid import UUID

import msgspec
from pydantic import BaseModel

from contracts.core import Rpc
from kit.replies import Decoded, UndecodableReply

M = TypeVar("M", bound=BaseModel)

# Types msgspec decodes from the JSON pydantic writes, into the same Python values.
_SCALARS: frozenset[type] = frozenset(
    {str, int, float, bool, Decimal, datetime, date, time, UUID, type(None)}
)


class ReplyStruct(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True, gc=False):
    """Base of every derived struct. Frozen like the contracts; `gc=False` because a
    decoded reply is a tree (no cycles), so the collector need not track its objects."""

    __contract__: ClassVar[type[BaseModel]]

    def model_dump(
        self, *, include: set[str] | None = None, exclude: set[str] | None = None
    ) -> dict[str, Any]:
        """The fields as a dict, nested structs as dicts: what pydantic's `model_dump()`
        gives (Python values, not JSON ones)."""
        return {
            name: _dumped(getattr(self, name))
            for name in self.__struct_fields__
            if (include is None or name in include) and (exclude is None or name not in exclude)
        }


def _dumped(value: Any) -> Any:
    if isinstance(value, ReplyStruct):
        return value.model_dump()
    if isinstance(value, list):
        return [_dumped(v) for v in value]
    if isinstance(value, dict):
        return {k: _dumped(v) for k, v in value.items()}
    return value


def is_reply(value: object, model: type[M]) -> TypeGuard[M]:
    """`isinstance(value, model)` for a reply in either form: the model or its struct."""
    if isinstance(value, model):
        return True
    contract = getattr(type(value), "__contract__", None)
    return contract is not None and issubclass(contract, model)


@functools.cache
def struct_for(model: type[BaseModel]) -> type[ReplyStruct]:
    """The struct of a contract model: its fields (inherited ones included), their types
    translated, their defaults kept (a reply may omit a field that has one)."""
    fields: list[tuple[str, Any] | tuple[str, Any, Any]] = []
    for name, info in model.model_fields.items():
        annotation = _struct_type(info.annotation, model, name)
        if info.default_factory is not None:
            fields.append((name, annotation, msgspec.field(default_factory=info.default_factory)))  # type: ignore[arg-type]
        elif not info.is_required():
            fields.append((name, annotation, _default(info.default)))
        else:
            fields.append((name, annotation))
    struct = typing.cast(
        type[ReplyStruct],
        msgspec.defstruct(
            model.__name__, fields, bases=(ReplyStruct,), module=model.__module__, kw_only=True
        ),
    )
    struct.__contract__ = model
    return struct


def _default(value: Any) -> Any:
    if isinstance(value, list | dict | set) and value:
        # msgspec copies empty containers itself; a filled one gets a copy per struct.
        return msgspec.field(default_factory=functools.partial(copy.deepcopy, value))
    return value


def _struct_type(annotation: Any, model: type[BaseModel], name: str) -> Any:
    """A field's annotation with every contract model replaced by its struct."""
    if isinstance(annotation, type):
        if issubclass(annotation, BaseModel):
            return struct_for(annotation)
        if annotation in _SCALARS or issubclass(annotation, enum.Enum):
            return annotation
    if annotation is Any:
        return Any
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Literal:
        return annotation
    if origin is typing.Annotated:
        return _struct_type(args[0], model, name)
    if origin in (list, dict):
        return origin[tuple(_struct_type(a, model, name) for a in args)]
    if origin in (typing.Union, types.UnionType):
        return functools.reduce(lambda a, b: a | b, (_struct_type(a, model, name) for a in args))
    # A type not handled above would be decoded wrongly or not at all: refuse it when the
    # struct is made (the round trip test makes every contract's struct).
    raise TypeError(f"{model.__name__}.{name}: no msgspec form for {annotation!r}")


class _Envelope(msgspec.Struct, frozen=True, gc=False):
    ok: bool
    error: dict[str, Any] | None = None


@functools.cache
def _decoder(response: type[BaseModel]) -> Callable[[bytes], Any]:
    """One decoder per response type, for the whole envelope: `{"ok", "result"}` or
    `{"ok", "error"}` in one pass."""
    reply = msgspec.defstruct(
        f"{response.__name__}Reply",
        [("result", struct_for(response) | None, None)],
        bases=(_Envelope,),
    )
    return msgspec.json.Decoder(reply).decode


def struct_replies(rpc: Rpc[Any, Any], data: bytes) -> Decoded:
    """A reply as the struct of `rpc.response` (a `kit.replies.ReplyDecoder`)."""
    try:
        response: type[BaseModel] = rpc.response
        reply = _decoder(response)(data)
    except msgspec.DecodeError as exc:  # ValidationError is one too
        raise UndecodableReply(rpc, str(exc)) from exc
    if reply.ok and reply.result is not None:
        return reply.result, None
    if not reply.ok and reply.error is not None:
        return None, reply.error
    raise UndecodableReply(rpc, "an answer without a result or a refusal without an error")
