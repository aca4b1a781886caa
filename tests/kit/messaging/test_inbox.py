"""The inbox on both databases, without NATS: an event applied once whatever reaches it
twice (a redelivery, the same event twice in one batch, two replicas at once), `also`
run either way, and the rows it leaves exactly those of a plain INSERT."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from typing import Any

import pytest
import structlog
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.core import EventEnvelope
from kit.db import Database
from kit.inbox import apply_batch_once, apply_once, event_log_context
from kit.inbox_statements import _built, inbox_statements
from tests.kit.messaging.plumbing import Recorder, applied, count, event, tables

CONSUMER = "inbox-test"


async def inbox_rows(db: Database) -> list[tuple[object, ...]]:
    inbox = tables.inbox
    async with db.transaction() as s:
        found = await s.execute(select(inbox).order_by(inbox.c.event_id))
        return [tuple(row) for row in found]


class Also:
    def __init__(self) -> None:
        self.runs = 0

    async def __call__(self, _session: AsyncSession) -> None:
        self.runs += 1


async def test_a_fresh_event_is_applied_with_its_inbox_row(db: Database):
    ev = event("fresh")
    handler, also = Recorder(), Also()

    assert await apply_once(db, tables, CONSUMER, ev, handler, also=also) is True

    assert (handler.calls, also.runs) == (1, 1)
    [row] = await inbox_rows(db)
    assert row[:3] == (CONSUMER, ev.event_id, ev.type)
    statements = inbox_statements(tables.inbox, db.engine.dialect)
    async with db.transaction() as s:
        assert await statements.seen(s, CONSUMER, ev.event_id)
        assert not await statements.seen(s, "another-consumer", ev.event_id)


async def test_a_redelivered_event_changes_nothing_and_also_still_runs(db: Database):
    ev = event("again")
    handler, also = Recorder(), Also()
    await apply_once(db, tables, CONSUMER, ev, handler, also=also)
    before = await inbox_rows(db)

    assert await apply_once(db, tables, CONSUMER, ev, handler, also=also) is False

    assert (handler.calls, also.runs) == (1, 2)
    assert await inbox_rows(db) == before  # processed_at included: the row is untouched
    assert await count(db, applied) == 1


async def test_the_same_event_for_another_consumer_is_applied_again(db: Database):
    ev = event("two-consumers")
    await apply_once(db, tables, CONSUMER, ev, Recorder())
    handled: list[EventEnvelope] = []

    async def other_handler(_session: AsyncSession, e: EventEnvelope) -> None:
        handled.append(e)

    assert await apply_once(db, tables, "other", ev, other_handler) is True
    assert handled == [ev]
    assert len(await inbox_rows(db)) == 2


@pytest.fixture
async def replica(db: Database) -> AsyncIterator[Database]:
    """A second replica on the same database: its own engine and connections."""
    other = Database(db.url)
    yield other
    await other.dispose()


async def test_two_replicas_racing_on_one_event_apply_it_once(db: Database, replica: Database):
    """Replica A is inside its transaction (inbox row written, handler running) when
    replica B reaches the same event: B waits for A's commit (PostgreSQL's row lock,
    SQLite's single writer), then finds the row and reports a duplicate."""
    ev = event("race")
    a_inside = asyncio.Event()
    calls = 0

    async def slow_handler(session: AsyncSession, e: EventEnvelope) -> None:
        nonlocal calls
        calls += 1
        await session.execute(insert(applied).values(event_id=e.event_id, note="race"))
        a_inside.set()
        await asyncio.sleep(0.5)  # B meets the uncommitted inbox row meanwhile

    also_a, also_b = Also(), Also()
    a = asyncio.create_task(apply_once(db, tables, CONSUMER, ev, slow_handler, also=also_a))
    await a_inside.wait()
    b = await apply_once(replica, tables, CONSUMER, ev, slow_handler, also=also_b)

    assert (await a, b) == (True, False)
    assert (calls, also_a.runs, also_b.runs) == (1, 1, 1)
    assert await count(db, applied) == 1
    assert len(await inbox_rows(db)) == 1


async def test_an_integrity_error_of_an_event_not_applied_is_raised(db: Database):
    ev = event("conflict")
    await apply_once(db, tables, "first", ev, Recorder())

    async def conflicting(session: AsyncSession, e: EventEnvelope) -> None:
        # The same row as the first consumer's handler wrote: its primary key conflicts.
        await session.execute(insert(applied).values(event_id=e.event_id, note="x"))

    with pytest.raises(IntegrityError):
        await apply_once(db, tables, CONSUMER, ev, conflicting)
    assert len(await inbox_rows(db)) == 1  # only the first consumer's: rolled back


async def test_without_insert_returning_the_inbox_looks_then_inserts(db: Database):
    """Where the database cannot return rows from an INSERT, the claim is the old pair
    of statements, with the same answers."""
    plain = _built(tables.inbox, "none", False)
    assert plain.claim_row is None
    assert inbox_statements(tables.inbox, db.engine.dialect).claim_row is not None
    ev = event("plain")
    row = {"consumer": CONSUMER, "event_id": ev.event_id, "event_type": ev.type}
    async with db.transaction() as s:
        stamped = {**row, "processed_at": datetime.now(UTC)}
        assert await plain.claim(s, stamped) is True
        assert await plain.claim(s, stamped) is False
        other = event("plain-2")
        more = {**stamped, "event_id": other.event_id}
        assert await plain.claim_many(s, [stamped, more]) == {other.event_id}
        assert await plain.claim_many(s, [stamped, more]) == set()
    assert len(await inbox_rows(db)) == 2


async def test_the_same_event_twice_in_a_batch_is_applied_once(db: Database):
    first, second, third = event("b1"), event("b2"), event("b3")
    batches: list[list[EventEnvelope]] = []

    async def batch_handler(session: AsyncSession, events: Sequence[EventEnvelope]) -> None:
        batches.append(list(events))
        rows = [{"event_id": e.event_id, "note": "batch"} for e in events]
        await session.execute(insert(applied), rows)

    fresh = await apply_batch_once(db, tables, CONSUMER, [first, first, second], batch_handler)
    assert [e.event_id for e in fresh] == [first.event_id, second.event_id]

    # A redelivered batch: only the event not applied before.
    fresh = await apply_batch_once(db, tables, CONSUMER, [second, third], batch_handler)
    assert [e.event_id for e in fresh] == [third.event_id]

    # All applied already: the handler is not called.
    assert await apply_batch_once(db, tables, CONSUMER, [first, third], batch_handler) == []
    assert len(batches) == 2
    assert await count(db, applied) == 3
    assert len(await inbox_rows(db)) == 3


async def test_an_empty_batch_claims_nothing_and_calls_no_handler(db: Database):
    """A fetch of nothing but unparseable messages leaves the batch empty: no statement
    (an INSERT without rows would be one of DEFAULT VALUES), no handler, no row."""
    called: list[Sequence[EventEnvelope]] = []

    async def batch_handler(session: AsyncSession, events: Sequence[EventEnvelope]) -> None:
        called.append(events)

    assert await apply_batch_once(db, tables, CONSUMER, [], batch_handler) == []
    plain = _built(tables.inbox, "none", False)
    async with db.transaction() as s:
        assert await inbox_statements(tables.inbox, db.engine.dialect).claim_many(s, []) == set()
        assert await plain.claim_many(s, []) == set()
    assert called == []
    assert await inbox_rows(db) == []


async def test_two_replicas_racing_on_a_batch_apply_each_event_once(
    db: Database, replica: Database
):
    """Replica B's batch holds two events of replica A's uncommitted batch and one of
    its own: it waits for A's commit, then applies only its own."""
    shared, own = [event("s1"), event("s2")], event("own")
    a_inside = asyncio.Event()
    handled: dict[str, list[EventEnvelope]] = {"a": [], "b": []}

    def handler_of(replica: str, wait: bool) -> Any:
        async def handle(session: AsyncSession, events: Sequence[EventEnvelope]) -> None:
            handled[replica].extend(events)
            rows = [{"event_id": e.event_id, "note": replica} for e in events]
            await session.execute(insert(applied), rows)
            if wait:
                a_inside.set()
                await asyncio.sleep(0.5)

        return handle

    a = asyncio.create_task(
        apply_batch_once(db, tables, CONSUMER, shared, handler_of("a", wait=True))
    )
    await a_inside.wait()
    b = await apply_batch_once(
        replica, tables, CONSUMER, [*shared, own], handler_of("b", wait=False)
    )

    assert [e.event_id for e in await a] == [e.event_id for e in shared]
    assert [e.event_id for e in b] == [own.event_id]
    assert handled["b"] == [own]
    assert await count(db, applied) == 3
    assert len(await inbox_rows(db)) == 3


async def test_a_batch_and_a_single_delivery_share_the_inbox(db: Database):
    ev = event("mixed")
    await apply_once(db, tables, CONSUMER, ev, Recorder())
    handled: list[EventEnvelope] = []

    async def batch_handler(_session: AsyncSession, events: Sequence[EventEnvelope]) -> None:
        handled.extend(events)

    assert await apply_batch_once(db, tables, CONSUMER, [ev], batch_handler) == []
    assert handled == []


def test_the_log_context_is_bound_within_and_restored_after():
    ev = event("log", 7)
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(correlation_id="outer", process="svc")
    try:
        with event_log_context("corr-7", ev):
            assert structlog.contextvars.get_contextvars() == {
                "correlation_id": "corr-7",
                "process": "svc",
                "event_id": str(ev.event_id),
                "event_type": ev.type,
            }
        assert structlog.contextvars.get_contextvars() == {
            "correlation_id": "outer",
            "process": "svc",
        }
        with pytest.raises(RuntimeError), event_log_context("corr-7", ev):
            raise RuntimeError("handler failed")
        assert structlog.contextvars.get_contextvars() == {
            "correlation_id": "outer",
            "process": "svc",
        }
    finally:
        structlog.contextvars.clear_contextvars()
