"""The tables, events and handlers the messaging tests share: kit's outbox, inbox and
dead letters next to one `applied` table a handler writes to."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from typing import Any

from nats.js import JetStreamContext
from sqlalchemy import Column, MetaData, String, Table, Uuid, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.core import EventEnvelope
from contracts.engagement.events import EngagementCreatedV1
from kit.consumer import EventConsumer
from kit.db import Database
from kit.ids import new_id
from kit.messaging import MessagingTables, messaging_tables
from kit.outbox import record_event

metadata = MetaData()
tables = messaging_tables(metadata)
applied = Table(
    "applied", metadata, Column("event_id", Uuid, primary_key=True), Column("note", String(50))
)


def event(kind: str, n: int = 0) -> EventEnvelope:
    return EventEnvelope(
        event_id=new_id(),
        type=f"test.{kind}.v1",
        occurred_at=datetime.now(UTC),
        actor="tester",
        tenant="agency:1",
        engagement_id=None,
        correlation_id=f"corr-{n}",
        data={"n": n},
    )


def engagement_created(correlation_id: str = "corr-1") -> EngagementCreatedV1:
    """A typed event as evaluation and compliance declare it (EventParser, bench)."""
    return EngagementCreatedV1(
        event_id=new_id(),
        occurred_at=datetime.now(UTC),
        actor="tester",
        tenant="agency:1",
        engagement_id=new_id(),
        correlation_id=correlation_id,
        data={
            "engagement_id": str(new_id()),
            "unit_id": str(new_id()),
            "agency_id": str(new_id()),
            "service_modes": ["fixed_resident"],
            "period_start": date(2026, 1, 1),
            "period_end": date(2026, 12, 31),
            "status": "preparation",
        },
    )


async def record(db: Database, events: list[EventEnvelope]) -> None:
    async with db.transaction() as session:
        for e in events:
            await record_event(session, tables, e)


class Recorder:
    def __init__(self, fail_times: int = 0) -> None:
        self.calls = 0
        self.fail_times = fail_times

    async def __call__(self, session: AsyncSession, ev: EventEnvelope) -> None:
        self.calls += 1
        await session.execute(insert(applied).values(event_id=ev.event_id, note="x"))
        if self.calls <= self.fail_times:
            raise RuntimeError("handler failed on purpose")


def consumer_of(
    js: JetStreamContext,
    db: Database,
    durable: str,
    subject: str,
    handler: Any,
    *,
    tables: MessagingTables = tables,
    **options: Any,
) -> EventConsumer:
    """A durable consumer of one subject, keeping its inbox and dead letters in `tables`."""
    return EventConsumer(
        js=js,
        db=db,
        tables=tables,
        durable=durable,
        filter_subjects=[subject],
        handler=handler,
        **options,
    )


async def until(check: Callable[[], bool], timeout: float = 15.0) -> None:
    """Wait until `check()` holds (a failure, not a hang, when it never does)."""
    async with asyncio.timeout(timeout):
        while not check():
            await asyncio.sleep(0.01)


@asynccontextmanager
async def running(
    loop: Callable[[asyncio.Event], Coroutine[Any, Any, None]],
) -> AsyncIterator[None]:
    """`loop(stop)` (a consumer's or relay's `run`) as a task for the block; stopped and
    awaited after it."""
    stop = asyncio.Event()
    task = asyncio.create_task(loop(stop))
    try:
        yield
    finally:
        stop.set()
        await task


async def run_consumer(consumer: EventConsumer, until: Any, timeout: float = 15.0) -> None:
    stop = asyncio.Event()
    task = asyncio.create_task(consumer.run(stop))
    try:
        async with asyncio.timeout(timeout):
            while not until():
                await asyncio.sleep(0.05)
    finally:
        stop.set()
        await task


async def count(db: Database, table: Table) -> int:
    async with db.transaction() as s:
        return int((await s.execute(select(func.count()).select_from(table))).scalar_one())
