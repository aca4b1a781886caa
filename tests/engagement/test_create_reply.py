"""createEngagement writes and answers exactly what it did before its cheaper path: the
reply's bytes, the outbox payload, and the rows (the engagement, its 表 A.1 rows, the
region's counters, the kept idempotent answer) as the database stores them, on both
databases. The expected values were captured from the code before the change (main at
d6eb202) by this same test (`ECOHOST_CAPTURE_CREATE=path`), ids made sequential and
timestamps compared by their shape (their digits vary; their format must not).

A command sent again with its idempotency key is answered from what was kept
(`kit.idempotency.Replayed`): the same bytes, nothing written twice, the relay not woken.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import sys
import uuid
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

import kit.ids
from contracts.core import Scope
from contracts.engagement import rpc
from contracts.engagement.agreement import AssessmentMethod, FeeTerms
from kit.db import Database
from kit.endpoints import command
from kit.rpc import CallContext, RawReply
from kit.runtime import ServiceRuntime
from kit.settings import ServiceSettings
from services.engagement.models import Engagement, messaging
from services.engagement.workflow.commands import engagements
from services.engagement.workflow.new_engagement import NewEngagement
from tests.engagement.linked_unit import linked_unit

EXPECTED = Path(__file__).with_name("create_reply_expected.json")
AGENCY = uuid.UUID("0190a000-0000-7000-8000-00000000a001")
UNIT = uuid.UUID("0190a000-0000-7000-8000-00000000b001")
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?")

# Each table compared, ordered by its key; the outbox without its sequence number.
ROWS = {
    "engagement": ("*", "id"),
    "checklist_entry": ("*", "engagement_id, code"),
    # Without its slot (kit.counters: the connection's, which one is not part of the
    # count); one command adds to one slot, so each counter is still one row here.
    "engagement_tally": (
        "region_code, period_start, period_end, figure, value, n",
        "figure, value",
    ),
    "outbox": (
        "event_id, subject, payload, correlation_id, created_at, sent_at, attempts, "
        "last_error, trace_context",
        "seq",
    ),
    "idempotency": ("*", "key"),
}


def _select(table: str, backend: str) -> str:
    """The rows as stored: SQLite hands back its text as it is; on PostgreSQL the row's
    text form keeps a JSON null apart from an SQL NULL (the driver decodes both to None)."""
    columns, order = ROWS[table]  # names from the constant above, no input
    rows = f"SELECT {columns} FROM {table} ORDER BY {order}"  # noqa: S608
    return rows if backend == "sqlite" else f"SELECT t::text FROM ({rows}) t"  # noqa: S608


@pytest.fixture(autouse=True)
def sequential_ids(monkeypatch: pytest.MonkeyPatch) -> None:
    """`kit.ids.new_id` from a counter: the ids in the bytes compared are the same.
    Replaced in every module that imported it (it draws its bits itself, no longer from
    `uuid6.uuid7`, which the values were captured with: one number a call, either way)."""
    counter = itertools.count(1)

    def sequential() -> uuid.UUID:
        return uuid.UUID(f"0190b000-0000-7000-8000-{next(counter):012x}")

    original = kit.ids.new_id
    for module in list(sys.modules.values()):
        if vars(module).get("new_id") is original:
            monkeypatch.setattr(module, "new_id", sequential)


def _request(**fields: Any) -> rpc.CreateEngagementRequest:
    return rpc.CreateEngagementRequest(
        unit_id=UNIT,
        agency_id=AGENCY,
        service_modes=["roving", "fixed_resident"],
        period_start=date(2027, 1, 1),
        period_end=date(2027, 12, 31),
        scope=Scope(agency_id=AGENCY),
        **fields,
    )


REQUESTS = {
    "plain": _request(),
    "with terms": _request(
        fee_terms=FeeTerms(amount=Decimal("120000.50"), schedule="季度"),
        assessment=AssessmentMethod.model_validate({"parties": [{"kind": "client"}]}),
    ),
}


def _shape(value: Any, *, stored: bool = False) -> str:
    """A sent or stored value as text, every timestamp's digits zeroed. PostgreSQL's text
    form drops a fraction's trailing zeros, so a stored one is shown as one digit."""

    def zeroed(m: re.Match[str]) -> str:
        stamp = re.sub(r"\d", "0", m.group())
        return re.sub(r"\.0+", ".0", stamp) if stored else stamp

    return TIMESTAMP.sub(zeroed, str(value))


def _ctx(key: str | None) -> CallContext:
    return CallContext(
        actor="user:pm", tenant=f"agency:{AGENCY}", correlation_id="corr-1", idempotency_key=key
    )


def _encoded(reply: Any) -> bytes:
    """As `RpcServer` sends it."""
    return reply.body if isinstance(reply, RawReply) else reply.model_dump_json().encode()


async def _rows(db: Database) -> dict[str, list[list[str]]]:
    backend = db.engine.dialect.name
    async with db.transaction() as session:
        return {
            table: [
                [_shape(v, stored=True) for v in row]
                for row in await session.execute(text(_select(table, backend)))
            ]
            for table in ROWS
        }


class Runtime(ServiceRuntime):
    """The service's runtime without NATS, counting the relay's wake-ups."""

    woken: int = 0

    def committed(self) -> None:
        self.woken += 1


async def _observed(db: Database) -> dict[str, Any]:
    await linked_unit(db, agency=AGENCY, unit=UNIT)
    runtime = Runtime(name="engagement", settings=ServiceSettings(), db=db, tables=messaging)
    handle = command(runtime, engagements.create_engagement)
    replies = {}
    for name, request in REQUESTS.items():
        replies[name] = _shape(_encoded(await handle(request, _ctx(f"key-{name}"))).decode())
    return {"replies": replies, "rows": await _rows(db), "woken": runtime.woken}


def _expected(backend: str, observed: dict[str, Any]) -> dict[str, Any]:
    """What the code before the change gave; captured into a file when asked."""
    if capture := os.environ.get("ECOHOST_CAPTURE_CREATE"):
        path = Path(capture)
        kept = json.loads(path.read_text()) if path.exists() else {}
        path.write_text(json.dumps({**kept, backend: observed}, ensure_ascii=False, indent=1))
    expected: dict[str, Any] = json.loads(EXPECTED.read_text())[backend]
    return expected


async def test_reply_event_and_rows_as_before(db: Database) -> None:
    observed = await _observed(db)
    backend = db.engine.dialect.name
    expected = _expected(backend, observed)
    assert observed["replies"] == expected["replies"]
    for table, rows in expected["rows"].items():
        assert observed["rows"][table] == rows, table
    assert observed["woken"] == 2


async def test_a_key_sent_again_is_answered_from_what_was_kept(db: Database) -> None:
    await linked_unit(db, agency=AGENCY, unit=UNIT)
    runtime = Runtime(name="engagement", settings=ServiceSettings(), db=db, tables=messaging)
    handle = command(runtime, engagements.create_engagement)
    first = _encoded(await handle(REQUESTS["plain"], _ctx("once")))
    rows = await _rows(db)
    again = await handle(REQUESTS["plain"], _ctx("once"))
    assert _encoded(again) == first
    assert await _rows(db) == rows  # nothing written twice
    assert runtime.woken == 1  # the replay wrote nothing: no relay cycle for it


def test_a_new_engagement_has_every_column_of_the_table() -> None:
    """What the event and the reply read of the row written (`NewEngagement`): a column
    added to `engagement` must be added there too."""
    columns = Engagement.__table__.columns.keys()
    assert sorted(NewEngagement.__dataclass_fields__) == sorted(columns)
