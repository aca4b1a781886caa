"""Replies a service encodes itself, from its own rows, without the contract's models.

A read that only moves columns into a reply (a dashboard's 250 trace entries) spent
most of its time in pydantic: validating, from the rows, values the service read from
its own tables, then serialising the models. Here the rows go into the contract's
msgspec structs (`kit.reply_structs.struct_for`: the same fields in the same order) and
msgspec writes them: the same JSON, byte for byte, as `model_dump_json()` (UUIDs,
datetimes with their offset or `Z`, decimals as strings, enums by value). Only for
values whose types already are the contract's: nothing is checked or converted here.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

import msgspec
from pydantic import BaseModel, ConfigDict, TypeAdapter
from sqlalchemy import Row

from kit.reply_structs import ReplyStruct, struct_for
from kit.rpc import RawReply

_encode = msgspec.json.Encoder().encode


def structs(model: type[BaseModel], rows: Iterable[Row[Any]]) -> list[ReplyStruct]:
    """Each row as `model`'s struct: the row's columns are the model's fields by name."""
    make = struct_for(model)
    return [make(**row._mapping) for row in rows]


def encoded_reply(model: type[BaseModel], **fields: Any) -> RawReply:
    """`model(**fields)` as the JSON its `model_dump_json()` writes, nested replies
    given as structs (`structs`)."""
    return RawReply(_encode(struct_for(model)(**fields)))


def row_struct(model: type[BaseModel], row: Row[Any], **given: Any) -> ReplyStruct:
    """`model`'s struct from a row that has more columns than the model has fields (its
    table's), or fewer (`given` holds the fields the row has not, or keeps under another
    name): `Contract.from_row` without the model."""
    mapping = row._mapping
    names = _row_fields(model, frozenset(given))
    return struct_for(model)(**{name: mapping[name] for name in names}, **given)


@functools.cache
def _row_fields(model: type[BaseModel], given: frozenset[str]) -> tuple[str, ...]:
    return tuple(name for name in model.model_fields if name not in given)


# A contract's `dict[str, Any]` field (a JSON column), as pydantic writes it: the
# contracts strip the whitespace of every `str`, the dict's keys included.
_ANY_DICT = TypeAdapter(dict[str, Any], config=ConfigDict(str_strip_whitespace=True))


def any_json(value: dict[str, Any]) -> dict[str, Any] | msgspec.Raw:
    """A JSON column for a contract's `dict[str, Any]` field: the value itself when
    msgspec writes it as pydantic does, else pydantic's own JSON of it. They differ on
    floats (msgspec `1e20`, pydantic `1e+20`) and on keys with surrounding whitespace
    (pydantic strips them), which a JSON column may hold; checking is cheaper than
    validating every value."""
    if _as_msgspec_writes(value):
        return value
    return msgspec.Raw(_ANY_DICT.dump_json(_ANY_DICT.validate_python(value)))


def _as_msgspec_writes(value: dict[str, Any]) -> bool:
    return all(key == key.strip() and _no_float(v) for key, v in value.items())


def _no_float(value: Any) -> bool:
    if isinstance(value, dict):
        return all(_no_float(v) for v in value.values())
    if isinstance(value, list):
        return all(_no_float(v) for v in value)
    return not isinstance(value, float)
