"""The GraphQL burst's library-only baseline: the same writes, no ecohost code.

What one `createEngagement` makes happen, written directly with SQLAlchemy Core and
nats-py in the benchmark's own process: one transaction inserting the engagement,
its 25 表 A.1 checklist rows and the outbox row (the event as JSON); a relay that
publishes unsent rows to a JetStream stream with file storage (`Nats-Msg-Id` for
dedupe) and marks them sent in one UPDATE; and three durable pull consumers (as the
evaluation, archive and compliance services are) that apply each fetched batch in one
transaction — inbox rows for dedupe plus one row of their own per event — and ack.
The same SQLite settings as `kit.db` (WAL, synchronous=FULL, one pooled connection).
It is the floor our layers are measured against, not a second implementation.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID, uuid4

from nats.aio.client import Client as NATS
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js.api import ConsumerConfig, StorageType, StreamConfig
from sqlalchemy import (
    JSON,
    Column,
    Date,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    Uuid,
    event,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from services.engagement.seed import checklist_a1_v1

STREAM = "BENCH_DIRECT"
SUBJECT = "bench.direct.engagement.created"
CONSUMERS = ("evaluation", "archive", "compliance")

meta = MetaData()
engagement = Table(
    "engagement",
    meta,
    Column("id", Uuid, primary_key=True),
    Column("unit_id", Uuid, nullable=False),
    Column("agency_id", Uuid, nullable=False),
    Column("service_modes", JSON, nullable=False),
    Column("period_start", Date, nullable=False),
    Column("period_end", Date, nullable=False),
    Column("stage", String(32), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(255), nullable=False),
)
checklist = Table(
    "checklist_entry",
    meta,
    Column("engagement_id", Uuid, primary_key=True),
    Column("code", String(16), primary_key=True),
    Column("section", String(16), nullable=False),
    Column("title_zh", Text, nullable=False),
    Column("title_en", Text, nullable=False),
    Column("status", String(16), nullable=False),
)
outbox = Table(
    "outbox",
    meta,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("event_id", Uuid, nullable=False, unique=True),
    Column("payload", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("sent_at", DateTime(timezone=True)),
)
inbox = Table(
    "inbox",
    meta,
    Column("consumer", String(64), primary_key=True),
    Column("event_id", Uuid, primary_key=True),
)
applied = Table(
    "applied",
    meta,
    Column("consumer", String(64), primary_key=True),
    Column("event_id", Uuid, primary_key=True),
    Column("engagement_id", Uuid, nullable=False),
)


def engine_for(url: str) -> AsyncEngine:
    if not url.startswith("sqlite"):
        return create_async_engine(url, pool_size=10, max_overflow=10)
    engine = create_async_engine(url, pool_size=1, max_overflow=0, pool_timeout=120)

    @event.listens_for(engine.sync_engine, "connect")
    def _pragmas(dbapi_conn: Any, _record: Any) -> None:
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()

    return engine


class Direct:
    """The baseline's database, relay and consumers; `create` is one mutation."""

    def __init__(self, url: str, nc: NATS) -> None:
        self.engine = engine_for(url)
        self.nc = nc
        self.js = nc.jetstream()
        self._wake = asyncio.Event()
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self.consumed = dict.fromkeys(CONSUMERS, 0)

    async def start(self) -> None:
        async with self.engine.begin() as conn:
            await conn.run_sync(meta.create_all)
        await self.js.add_stream(
            StreamConfig(name=STREAM, subjects=[SUBJECT], storage=StorageType.FILE)
        )
        for name in CONSUMERS:
            await self.js.add_consumer(STREAM, ConsumerConfig(durable_name=name))
        self._tasks = [asyncio.create_task(self._relay())]
        self._tasks += [asyncio.create_task(self._consume(name)) for name in CONSUMERS]

    async def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.engine.dispose()

    async def create(self, unit_id: UUID, agency_id: UUID) -> UUID:
        engagement_id, event_id, now = uuid4(), uuid4(), datetime.now(UTC)
        row = {
            "id": engagement_id,
            "unit_id": unit_id,
            "agency_id": agency_id,
            "service_modes": ["roving"],
            "period_start": date(2027, 1, 1),
            "period_end": date(2027, 12, 31),
            "stage": "preparation",
            "created_at": now,
            "created_by": "bench",
        }
        payload = {
            "event_id": str(event_id),
            "type": "engagement.created.v1",
            "engagement_id": str(engagement_id),
            "data": {**row, **{k: str(row[k]) for k in ("id", "unit_id", "agency_id")}},
        }
        async with self.engine.begin() as conn:
            await conn.execute(insert(engagement), row)
            await conn.execute(
                insert(checklist),
                [
                    {
                        "engagement_id": engagement_id,
                        "code": code,
                        "section": section,
                        "title_zh": zh,
                        "title_en": en,
                        "status": "pending",
                    }
                    for code, section, zh, en in checklist_a1_v1.ITEMS
                ],
            )
            await conn.execute(
                insert(outbox),
                {
                    "event_id": event_id,
                    "payload": json.dumps(payload, default=str),
                    "created_at": now,
                },
            )
        self._wake.set()
        return engagement_id

    async def _relay(self) -> None:
        while not self._stop.is_set():
            async with self.engine.begin() as conn:
                rows = (
                    await conn.execute(
                        select(outbox.c.seq, outbox.c.event_id, outbox.c.payload)
                        .where(outbox.c.sent_at.is_(None))
                        .order_by(outbox.c.seq)
                        .limit(100)
                    )
                ).all()
            if not rows:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), 1.0)
                continue
            futures = [
                await self.js.publish_async(
                    SUBJECT, r.payload.encode(), headers={"Nats-Msg-Id": str(r.event_id)}
                )
                for r in rows
            ]
            await asyncio.gather(*futures)
            async with self.engine.begin() as conn:
                await conn.execute(
                    update(outbox)
                    .where(outbox.c.seq.in_([r.seq for r in rows]))
                    .values(sent_at=datetime.now(UTC))
                )

    async def _consume(self, name: str) -> None:
        sub = await self.js.pull_subscribe_bind(durable=name, stream=STREAM)
        while not self._stop.is_set():
            try:
                msgs = await sub.fetch(100, timeout=1.0)
            except (TimeoutError, NatsTimeoutError):
                continue
            events = [json.loads(m.data) for m in msgs]
            await self._apply(name, events)
            for m in msgs:
                await m.ack()
            self.consumed[name] += len(msgs)

    async def _apply(self, name: str, events: Sequence[dict[str, Any]]) -> None:
        ids = [UUID(e["event_id"]) for e in events]
        async with self.engine.begin() as conn:
            done = set(
                (
                    await conn.execute(
                        select(inbox.c.event_id).where(
                            inbox.c.consumer == name, inbox.c.event_id.in_(ids)
                        )
                    )
                ).scalars()
            )
            fresh = [e for e, i in zip(events, ids, strict=True) if i not in done]
            if not fresh:
                return
            await conn.execute(
                insert(inbox), [{"consumer": name, "event_id": UUID(e["event_id"])} for e in fresh]
            )
            await conn.execute(
                insert(applied),
                [
                    {
                        "consumer": name,
                        "event_id": UUID(e["event_id"]),
                        "engagement_id": UUID(e["engagement_id"]),
                    }
                    for e in fresh
                ],
            )

    async def all_applied(self, ids: Sequence[UUID]) -> int:
        """Engagements among `ids` that every consumer has applied."""
        async with self.engine.connect() as conn:
            q = (
                select(func.count())
                .select_from(applied)
                .where(applied.c.engagement_id.in_(list(ids)))
            )
            return int((await conn.execute(q)).scalar_one()) // len(CONSUMERS)
