"""EventParser validates a declared event once, as its typed class, and answers every
input as validating the envelope first and then the typed event did: the same event,
or the same ValidationError (which dead-letters it)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

from contracts.core import EventEnvelope, EventParser
from contracts.engagement.events import EngagementCreatedV1, StageChangedV1
from tests.kit.messaging.plumbing import engagement_created

DECLARED: list[type[EventEnvelope]] = [EngagementCreatedV1, StageChangedV1]


def envelope_first(raw: bytes) -> EventEnvelope:
    """The parser before: the envelope, then the typed class when one is declared."""
    by_type = {cls.model_fields["type"].default: cls for cls in DECLARED}
    envelope = EventEnvelope.model_validate_json(raw)
    typed = by_type.get(envelope.type)
    return typed.model_validate_json(raw) if typed else envelope


def created() -> dict[str, Any]:
    fields: dict[str, Any] = json.loads(engagement_created().model_dump_json())
    return fields


def variants() -> dict[str, bytes]:
    good = created()
    cases: dict[str, Any] = {
        "typed": good,
        "typed, type with spaces": {**good, "type": " engagement.created.v1 "},
        "undeclared type": {**good, "type": "engagement.other.v1", "extra": 1},
        "typed, bad data": {**good, "data": {**good["data"], "status": "nonsense"}},
        "typed, unknown field": {**good, "surprise": True},
        "typed, bad envelope and data": {**good, "occurred_at": "never", "data": {}},
        "typed, envelope field missing": {k: v for k, v in good.items() if k != "actor"},
        "no type": {k: v for k, v in good.items() if k != "type"},
        "type not a string": {**good, "type": 7},
        "a list": [good],
    }
    raw = {name: json.dumps(case).encode() for name, case in cases.items()}
    raw["not json"] = b'{"type": "engagement.created.v1", '
    raw["empty"] = b""
    return raw


@pytest.mark.parametrize("name", list(variants()))
def test_each_input_is_answered_as_validating_the_envelope_first_did(name: str):
    raw = variants()[name]
    parse = EventParser(DECLARED)
    try:
        expected: EventEnvelope | ValidationError = envelope_first(raw)
    except ValidationError as exc:
        expected = exc
    if isinstance(expected, ValidationError):
        with pytest.raises(ValidationError) as caught:
            parse(raw)
        assert caught.value.title == expected.title
        assert caught.value.errors() == expected.errors()
        assert str(caught.value) == str(expected)
    else:
        got = parse(raw)
        assert type(got) is type(expected)
        assert got == expected


def test_a_consumer_that_declared_nothing_reads_the_envelope():
    raw = json.dumps(created()).encode()
    got = EventParser()(raw)
    assert type(got) is EventEnvelope
    assert got == EventEnvelope.model_validate_json(raw)
