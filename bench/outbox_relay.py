"""Outbox: recording events in transactions, and the relay publishing them to JetStream.

    python -m bench.outbox_relay [--n 5000] [--backend sqlite|postgresql|both] [--repeat 5]

Per backend, each round records `n` events with `kit.outbox.record_event`, 100 per
transaction, then times `OutboxRelay.drain()` publishing them. Baselines in the
same run and against the same nats-server and stream (`kit.bus.ensure_event_stream`):

- the same INSERTs through the raw driver (aiosqlite / asyncpg), 100 per transaction,
  one statement per row as `record_event` does: what SQLAlchemy's session adds;
- the same `n` messages (same bytes, same `Nats-Msg-Id` header) published with
  nats-py directly: `publish_async` in batches of 100, each batch awaited, and
  awaited one-by-one `publish`: the floor under the relay.

Every figure is the median of `--repeat` rounds; the range is shown next to it, and
"bench CPU" is this process's CPU time (all threads) over the wall time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import aiosqlite
import asyncpg  # type: ignore[import-untyped]  # no stubs; only a baseline uses it
import nats
from nats.js import JetStreamContext
from sqlalchemy import MetaData

from bench import common
from contracts.core import EventEnvelope
from kit.bus import ensure_event_stream
from kit.db import Database
from kit.logging import CORRELATION_HEADER
from kit.messaging import messaging_tables
from kit.outbox import OutboxRelay, record_event

if TYPE_CHECKING:
    from tests.infra.postgres import PostgresInfo

BATCH = 100

metadata = MetaData()
tables = messaging_tables(metadata)

# The statement record_event issues, written out for the raw drivers.
_SQLITE_INSERT = (
    "INSERT INTO outbox (event_id, subject, payload, correlation_id, created_at, attempts)"
    " VALUES (?, ?, ?, ?, ?, 0)"
)
_PG_INSERT = (
    "INSERT INTO outbox (event_id, subject, payload, correlation_id, created_at, attempts)"
    " VALUES ($1, $2, $3, $4, $5, 0)"
)


@dataclass
class Target:
    """One backend: the database the outbox lives in and a raw-driver twin of it."""

    backend: str
    url: str
    raw_insert: Callable[[Sequence[EventEnvelope]], Awaitable[None]]
    close_raw: Callable[[], Awaitable[None]]


def headers(event: EventEnvelope) -> dict[str, str]:
    """What the relay sends with each message."""
    return {"Nats-Msg-Id": str(event.event_id), CORRELATION_HEADER: event.correlation_id}


async def create_schema(url: str) -> None:
    db = Database(url)
    try:
        async with db.engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
    finally:
        await db.dispose()


async def sqlite_target(tmp: Path) -> Target:
    url = common.sqlite_url(tmp / "outbox.db")
    raw_path = tmp / "outbox-raw.db"
    await create_schema(url)
    await create_schema(common.sqlite_url(raw_path))
    conn = await aiosqlite.connect(raw_path, isolation_level=None)
    # The same pragmas as kit.db gives its SQLite engine.
    for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON"):
        await conn.execute(f"PRAGMA {pragma}")
    sql = _SQLITE_INSERT

    async def insert(events: Sequence[EventEnvelope]) -> None:
        await conn.execute("BEGIN")
        try:
            for e in events:
                await conn.execute(
                    sql,
                    (
                        e.event_id.hex,
                        e.subject,
                        e.model_dump_json(),
                        e.correlation_id,
                        datetime.now(UTC).isoformat(),
                    ),
                )
        except BaseException:
            await conn.execute("ROLLBACK")
            raise
        await conn.execute("COMMIT")

    return Target("sqlite", url, insert, conn.close)


async def postgres_target(pg: PostgresInfo) -> Target:
    stamp = datetime.now(UTC).strftime("%H%M%S%f")
    url = pg.create_database(f"bench_outbox_{stamp}")
    raw_name = f"bench_outbox_raw_{stamp}"
    await create_schema(pg.create_database(raw_name))
    await create_schema(url)
    conn = await asyncpg.connect(pg.uri(raw_name))
    sql = _PG_INSERT

    async def insert(events: Sequence[EventEnvelope]) -> None:
        async with conn.transaction():
            for e in events:
                await conn.execute(
                    sql,
                    e.event_id,
                    e.subject,
                    e.model_dump_json(),
                    e.correlation_id,
                    datetime.now(UTC),
                )

    return Target("postgresql", url, insert, conn.close)


async def bench_backend(
    target: Target, js: JetStreamContext, n: int, repeat: int
) -> list[common.Measured]:
    record = common.Measured(target.backend, "record_event, 100 per transaction", n)
    raw = common.Measured(target.backend, "baseline: same INSERTs, raw driver, 100 per tx", n)
    relay_result = common.Measured(target.backend, "OutboxRelay.drain(), batches of 100", n)
    db = Database(target.url)
    relay = OutboxRelay(db, tables, js, name=f"bench-{target.backend}", batch_size=BATCH)
    try:
        for r in range(repeat):
            events = [common.bench_event(f"outbox_{target.backend}_{r}", i) for i in range(n)]
            with common.Stopwatch() as sw:
                for chunk in common.batches(events, BATCH):
                    async with db.transaction() as session:
                        for e in chunk:
                            await record_event(session, tables, e)
            record.add(sw)

            with common.Stopwatch() as sw:
                published = await relay.drain()
            relay_result.add(sw)
            if published != n or await relay.backlog() != 0:
                raise RuntimeError(f"relay published {published} of {n}")

            raw_events = [common.bench_event(f"raw_{target.backend}_{r}", i) for i in range(n)]
            with common.Stopwatch() as sw:
                for chunk in common.batches(raw_events, BATCH):
                    await target.raw_insert(chunk)
            raw.add(sw)
    finally:
        await db.dispose()
    return [record, raw, relay_result]


async def bench_nats(js: JetStreamContext, n: int, repeat: int) -> list[common.Measured]:
    batched = common.Measured("nats-py", "baseline: js.publish_async, batches of 100 awaited", n)
    single = common.Measured("nats-py", "baseline: js.publish, one by one", n)
    for r in range(repeat):
        events = [common.bench_event(f"direct_async_{r}", i) for i in range(n)]
        wire = [(e.subject, e.model_dump_json().encode(), headers(e)) for e in events]
        with common.Stopwatch() as sw:
            for chunk in common.batches(wire, BATCH):
                futures = [
                    await js.publish_async(subject, data, headers=h, wait_stall=5.0)
                    for subject, data, h in chunk
                ]
                acks = await asyncio.gather(*futures)
                if any(a.duplicate for a in acks):
                    raise RuntimeError("unexpected duplicate")
        batched.add(sw)

        events = [common.bench_event(f"direct_sync_{r}", i) for i in range(n)]
        wire = [(e.subject, e.model_dump_json().encode(), headers(e)) for e in events]
        with common.Stopwatch() as sw:
            for subject, data, h in wire:
                await js.publish(subject, data, headers=h)
        single.add(sw)
    return [batched, single]


async def measure(
    nats_url: str, backends: list[str], n: int, repeat: int, tmp: Path, pg: PostgresInfo | None
) -> None:
    nc = await nats.connect(nats_url, name="bench-outbox")
    try:
        js = nc.jetstream()
        await ensure_event_stream(js)
        results: list[common.Measured] = []
        for backend in backends:
            if backend == "sqlite":
                target = await sqlite_target(tmp)
            else:
                assert pg is not None
                target = await postgres_target(pg)
            try:
                results += await bench_backend(target, js, n, repeat)
            finally:
                await target.close_raw()
        results += await bench_nats(js, n, repeat)
    finally:
        await nc.close()
    size = len(common.bench_event("x", n).model_dump_json())
    common.report(
        f"Outbox: {n:,} events (data ≈{common.PAYLOAD_BYTES} B, message {size} B), "
        f"median of {repeat}",
        common.measured_headers("backend", "step", "events", "event"),
        [r.row() for r in results],
    )


def main() -> None:
    p = common.parser(__doc__.splitlines()[0], n=5000, backend="both")
    p.add_argument("--repeat", type=int, default=5, help="rounds per figure (default 5)")
    common.run_on_nats(measure, "outbox", p.parse_args())


if __name__ == "__main__":
    common.run_main(main)
