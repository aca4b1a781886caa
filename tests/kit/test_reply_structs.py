"""Replies decoded by msgspec (`kit.reply_structs`) give the gateway the data pydantic gave:
for every contract response type, the same fields with the same values and Python types;
and a reply that does not fit its contract is a typed error."""

from __future__ import annotations

import enum
import importlib
import pkgutil
import types
import typing
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any, TypeVar
from uuid import UUID

import pytest
from pydantic import BaseModel

import contracts
from contracts.core import Contract, Rpc
from contracts.evaluation import rpc as evaluation_rpc
from kit.replies import UndecodableReply, validated_replies
from kit.reply_structs import ReplyStruct, is_reply, struct_for, struct_replies


def _every_rpc() -> list[Rpc[Any, Any]]:
    found: dict[str, Rpc[Any, Any]] = {}
    for info in pkgutil.walk_packages(contracts.__path__, "contracts."):
        for value in vars(importlib.import_module(info.name)).values():
            if isinstance(value, Rpc):
                found[value.subject] = value
    return sorted(found.values(), key=lambda rpc: rpc.subject)


M = TypeVar("M", bound=BaseModel)
RPCS = _every_rpc()
RESPONSES = sorted({rpc.response for rpc in RPCS}, key=lambda t: f"{t.__module__}.{t.__name__}")

# The awkward values: a Decimal with trailing zeros, a datetime at +08:00 with
# microseconds, CJK text, JSON of every kind under `Any`.
CST = timezone(timedelta(hours=8))
FILLED: dict[type, Any] = {
    str: "上海某化工有限公司 ✓",
    int: 7,
    float: 0.25,
    bool: True,
    Decimal: Decimal("12.50"),
    datetime: datetime(2026, 12, 3, 16, 5, 7, 123456, tzinfo=CST),
    date: date(2026, 2, 28),
    time: time(9, 30, 15),
    UUID: UUID("01938a6e-7a1b-7c3d-8e4f-0123456789ab"),
}
MINIMAL: dict[type, Any] = {
    **FILLED,
    str: "",
    int: 0,
    bool: False,
    Decimal: Decimal("-0.0001"),
    datetime: datetime(2026, 1, 1, tzinfo=UTC),
}
ANY_JSON = {"a": [1, "二", None, 1.5, {"b": True}]}


def sample(model: type[M], filled: bool) -> M:
    """An instance with every field set: optional ones filled or None, lists of two or
    empty. Built without validation (constraints are the services' concern, not this
    decoding's), serialised as the services serialise it."""
    return model.model_construct(
        **{name: _value(f.annotation, filled) for name, f in model.model_fields.items()}
    )


def _value(annotation: Any, filled: bool) -> Any:
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return sample(annotation, filled)
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        members = list(annotation)
        return members[-1] if filled else members[0]
    if annotation is Any:
        return ANY_JSON
    if origin is typing.Literal:
        return args[-1] if filled else args[0]
    if origin is list:
        return [_value(args[0], filled), _value(args[0], not filled)] if filled else []
    if origin is dict:
        return {_value(args[0], filled): _value(args[1], filled)} if filled else {}
    if origin in (typing.Union, types.UnionType):
        options = [a for a in args if a is not type(None)]
        if not filled and len(options) < len(args):
            return None
        return _value(options[0], filled)
    return (FILLED if filled else MINIMAL)[annotation]


def same(a: Any, b: Any, path: str = "$") -> None:
    """Equal, and of the same Python type at every leaf (a StrEnum equals its str)."""
    if isinstance(a, dict):
        assert isinstance(b, dict), path
        assert a.keys() == b.keys(), path
        for key in a:
            same(a[key], b[key], f"{path}.{key}")
        return
    if isinstance(a, list):
        assert isinstance(b, list), path
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            same(x, y, f"{path}[{i}]")
        return
    assert type(a) is type(b), f"{path}: {type(a).__name__} became {type(b).__name__}"
    assert a == b, path
    if isinstance(a, datetime):
        assert a.utcoffset() == b.utcoffset(), path
    if isinstance(a, Decimal):
        assert str(a) == str(b), path  # trailing zeros kept


def reply(result: BaseModel) -> bytes:
    """The envelope as `RpcServer` writes it."""
    return b'{"ok":true,"result":' + result.model_dump_json().encode() + b"}"


def test_every_rpc_is_found():
    assert len(RPCS) > 100
    assert len(RESPONSES) > 80


@pytest.mark.parametrize("filled", [True, False], ids=["filled", "minimal"])
@pytest.mark.parametrize("response", RESPONSES, ids=lambda t: t.__name__)
def test_a_reply_decodes_to_the_data_pydantic_sent(response: type[Contract], filled: bool):
    original = sample(response, filled)
    rpc = Rpc("svc", "op", Contract, response)

    decoded, error = struct_replies(rpc, reply(original))

    assert error is None
    assert is_reply(decoded, response)
    assert isinstance(decoded, ReplyStruct)
    assert tuple(decoded.__struct_fields__) == tuple(response.model_fields)
    same(original.model_dump(), decoded.model_dump())


def test_nested_replies_are_structs_read_by_attribute():
    view = sample(evaluation_rpc.ScorecardView, filled=True)
    rpc = Rpc("evaluation", "op", Contract, evaluation_rpc.ScorecardView)

    decoded, _ = struct_replies(rpc, reply(view))

    assert type(decoded.results[0]) is struct_for(type(view.results[0]))
    assert decoded.results[0].model_dump() == view.results[0].model_dump()
    assert decoded.grade == view.grade
    assert type(decoded.grade) is type(view.grade)
    assert decoded.weights == {"上海某化工有限公司 ✓": Decimal("12.50")}


def test_model_dump_leaves_out_and_keeps_fields_as_pydantic_does():
    view = sample(evaluation_rpc.ScorecardSummary, filled=True)
    decoded, _ = struct_replies(
        Rpc("evaluation", "op", Contract, evaluation_rpc.ScorecardSummary), reply(view)
    )

    assert decoded.model_dump(exclude={"weights", "grade"}) == view.model_dump(
        exclude={"weights", "grade"}
    )
    assert decoded.model_dump(include={"id", "total"}) == view.model_dump(include={"id", "total"})


def test_is_reply_tells_a_view_from_its_summary_in_either_form():
    summary = sample(evaluation_rpc.ScorecardSummary, filled=True)
    view = sample(evaluation_rpc.ScorecardView, filled=True)
    as_summary = struct_for(evaluation_rpc.ScorecardSummary)(**dict(summary))
    as_view = struct_for(evaluation_rpc.ScorecardView)(**dict(view))

    assert [is_reply(v, evaluation_rpc.ScorecardView) for v in (summary, view)] == [False, True]
    assert [is_reply(v, evaluation_rpc.ScorecardView) for v in (as_summary, as_view)] == [
        False,
        True,
    ]
    assert is_reply(as_view, evaluation_rpc.ScorecardSummary)  # a view is a summary
    assert not is_reply({"id": view.id}, evaluation_rpc.ScorecardView)


def test_a_refusal_is_its_error():
    rpc = Rpc("svc", "op", Contract, evaluation_rpc.ScorecardView)
    refusal = b'{"ok":false,"error":{"code":"not_found","message":"no","field":null}}'
    expected = (None, {"code": "not_found", "message": "no", "field": None})

    assert struct_replies(rpc, refusal) == expected
    assert validated_replies(rpc, refusal) == expected


class Pong(Contract):
    text: str
    at: datetime
    count: int = 0


PONG = Rpc("echo", "ping", Contract, Pong)


@pytest.mark.parametrize("decode", [struct_replies, validated_replies])
@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b'{"ok":true,"result":{"text":5,"at":"2026-12-03T16:00:00Z"}}', "text"),
        (b'{"ok":true,"result":{"text":"hi"}}', "at"),
        (b'{"ok":true,"result":{"text":"hi","at":"yesterday"}}', "at"),
        (b'{"ok":true,"result":{"text":"hi","at":"2026-12-03T16:00:00Z","extra":1}}', "extra"),
        (b'{"ok":true,"result":', ""),
        (b"<html>502</html>", ""),
    ],
    ids=["wrong-type", "missing", "bad-datetime", "unknown-field", "truncated", "not-json"],
)
def test_a_reply_that_does_not_fit_is_a_typed_internal_error(decode, data: bytes, reason: str):
    with pytest.raises(UndecodableReply) as info:
        decode(PONG, data)

    error = info.value
    assert (error.code, error.remote_code) == ("domain_error", "internal")
    assert error.details["rpc"] == "ecohost.rpc.echo.ping"
    assert reason in error.details["reason"]
    assert error.said.params == {"service": "echo", "rpc": "ecohost.rpc.echo.ping"}


def test_an_answer_without_its_result_is_a_typed_error():
    with pytest.raises(UndecodableReply):
        struct_replies(PONG, b'{"ok":true}')


def test_a_default_fills_a_field_the_reply_leaves_out():
    decoded, _ = struct_replies(
        PONG, b'{"ok":true,"result":{"text":"hi","at":"2026-12-03T16:00:00Z"}}'
    )

    assert (decoded.text, decoded.at, decoded.count) == (
        "hi",
        datetime(2026, 12, 3, 16, tzinfo=UTC),
        0,
    )


def test_a_contract_type_without_a_msgspec_form_is_refused_when_its_struct_is_made():
    class Odd(Contract):
        span: timedelta

    with pytest.raises(TypeError, match=r"Odd.span: no msgspec form"):
        struct_for(Odd)
