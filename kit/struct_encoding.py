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

from collections.abc import Iterable
from typing import Any

import msgspec
from pydantic import BaseModel
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
