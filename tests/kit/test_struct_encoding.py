"""A reply a service encodes itself from its rows (`kit.struct_encoding`) is the JSON the
contract's `model_dump_json()` writes, byte for byte, for the awkward values too: JSON
columns with floats and spaced keys among them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from uuid import UUID

import msgspec
import pytest
from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    MetaData,
    Row,
    String,
    Table,
    Uuid,
    create_engine,
    select,
)

from contracts.archive import rpc as archive_rpc
from contracts.engagement import rpc_workflow as wf
from contracts.engagement.enums import RecordKind
from contracts.evaluation import rpc as evaluation_rpc
from contracts.evaluation.enums import Grade, ScorecardKind, ScorecardStatus
from kit.reply_structs import is_reply, struct_for
from kit.rpc import RawReply
from kit.struct_encoding import any_json, encoded_reply, row_struct, structs

ENGAGEMENT = UUID("01890000-0000-7000-8000-000000000001")
EVENT = UUID("01890000-0000-7000-8000-000000000002")
AT_8 = datetime(2026, 3, 4, 5, 6, 7, 500, tzinfo=timezone(timedelta(hours=8)))
AT_Z = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)


def summary_fields() -> dict[str, object]:
    return {
        "id": EVENT,
        "series_id": EVENT,
        "version": 2,
        "previous_id": None,
        "amendment_reason": "纠正 评分",
        "engagement_id": ENGAGEMENT,
        "unit_id": ENGAGEMENT,
        "agency_id": ENGAGEMENT,
        "region_code": None,
        "template_id": EVENT,
        "template_code": "C.1",
        "template_version": 1,
        "period_label": "2026",
        "period_start": date(2026, 1, 1),
        "period_end": date(2026, 12, 31),
        "opened_by": "pm",
        "opened_at": AT_8,
        "opened_automatically": False,
        "status": ScorecardStatus.FINALIZED,
        "finalized_at": AT_Z,
        "finalized_by": None,
        "scored_total": Decimal("87.50"),
        "deducted": Decimal("0"),
        "total": Decimal("87.5E0"),
        "grade": Grade.GOOD,
        "kind": ScorecardKind.BINDING,
        "weights": {"agency": Decimal("0.40"), "unit": Decimal("0.6")},
        "appeal_days": None,
        "settlement_percent": Decimal("100.00"),
    }


def read_back(
    types: dict[str, Any], values: dict[str, object], names: list[str] | None = None
) -> list[Row[Any]]:
    """`values` written to a table of columns of these `types` in a SQLite database in
    memory, read back as the columns `names` (all by default)."""
    table = Table("t", MetaData(), *(Column(name, kind) for name, kind in types.items()))
    engine = create_engine("sqlite://")
    table.metadata.create_all(engine)
    with engine.connect() as conn:
        conn.execute(table.insert().values(values))
        return list(conn.execute(select(*(table.c[n] for n in names or types))))


def test_an_encoded_reply_is_the_models_json_for_decimals_dates_enums_and_nulls():
    fields = summary_fields()
    expected = evaluation_rpc.LatestScorecardsReply(
        items=[evaluation_rpc.ScorecardSummary.model_validate(fields), None]
    ).model_dump_json()
    summary = struct_for(evaluation_rpc.ScorecardSummary)(**fields)
    reply = encoded_reply(evaluation_rpc.LatestScorecardsReply, items=[summary, None])
    assert isinstance(reply, RawReply)
    assert reply.body == expected.encode()
    assert reply.json == expected


def test_rows_become_structs_by_column_name_in_the_contracts_field_order():
    """Columns named as the fields, in another order: the reply keeps the contract's."""
    types = {
        "entry_hash": String, "seq": Integer, "engagement_id": Uuid, "event_id": Uuid,
        "event_type": String, "occurred_at": DateTime, "recorded_at": DateTime,
        "actor": String, "tenant": String, "payload_sha256": String, "prev_hash": String,
    }  # fmt: skip
    values = {
        "entry_hash": "e" * 64,
        "seq": 3,
        "engagement_id": ENGAGEMENT,
        "event_id": EVENT,
        "event_type": "engagement.plan_confirmed.v1",
        "occurred_at": AT_Z.replace(tzinfo=None),
        "recorded_at": AT_Z.replace(tzinfo=None, microsecond=123),
        "actor": "user:pm",
        "tenant": "agency:1",
        "payload_sha256": "p" * 64,
        "prev_hash": "0" * 64,
    }
    names = list(archive_rpc.TraceEntryView.model_fields)
    rows = read_back(types, values, sorted(names))
    reply = encoded_reply(
        archive_rpc.TraceReply, traces=[structs(archive_rpc.TraceEntryView, rows), []]
    )
    expected = archive_rpc.TraceReply.model_validate(
        {"traces": [rows, []]}, from_attributes=True
    ).model_dump_json()
    assert reply.body == expected.encode()
    assert reply.body.startswith(b'{"traces":[[{"engagement_id":"01890000-0000-7000-8000-')


def test_a_row_with_more_columns_and_fields_given_becomes_the_models_struct():
    """`row_struct`: the model's fields by column name, the table's other columns left
    out, the fields the row has not given; the same JSON as `Contract.from_row`."""
    [row] = read_back(
        {"record_id": Uuid, "item_id": Uuid, "role": String, "linked_at": DateTime(timezone=True)},
        {"record_id": EVENT, "item_id": ENGAGEMENT, "role": "before", "linked_at": AT_8},
    )
    struct = row_struct(wf.EvidenceLinkView, row, linked_by="pm")
    expected = wf.EvidenceLinkView.from_row(row, linked_by="pm")
    assert msgspec.json.encode(struct) == expected.model_dump_json().encode()
    assert is_reply(struct, wf.EvidenceLinkView)


@pytest.mark.parametrize(
    "value",
    [
        {},
        {"n": 2, "text": "夜间 ", "flag": True, "none": None, "list": [1, "a", {"k": [None]}]},
        {"big": 2**70, "escaped": '\u2028</script>\x01"\\'},
        {"ph": 7.25, "small": 1e-7, "whole": 1.0},
        {"flow": 1e20, "negative": -1.5e300},
        {"nested": {"deep": [1e16, 0.1]}},
        {" spaced ": 1, "inner": {" kept ": " kept "}},
    ],
)
def test_a_json_column_is_written_as_the_contract_writes_it(value: dict[str, object]):
    """`any_json`: for a `dict[str, Any]` field, the bytes pydantic writes, whether the
    value goes through as it is or (floats, keys with spaces) through pydantic."""
    view = wf.MeetingView(
        engagement_id=ENGAGEMENT,
        record_id=EVENT,
        kind=RecordKind.EXPERT_CONSULTATION,
        held_on=date(2027, 2, 1),
        details=value,
    )
    struct = struct_for(wf.MeetingView)(**{**view.model_dump(), "details": any_json(value)})
    assert msgspec.json.encode(struct) == view.model_dump_json().encode()


def test_a_json_column_without_floats_or_spaced_keys_is_not_copied():
    value = {"n": 1, "list": ["a"]}
    assert any_json(value) is value
    assert isinstance(any_json({"x": 0.5}), msgspec.Raw)
