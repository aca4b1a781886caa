"""Consumer: events already in the stream, applied through the inbox, one transaction each.

    python -m bench.consumer [--n 5000] [--backend sqlite|postgresql|both] [--repeat 3]

`n` events sit in the event stream before the clock starts. Each round, per
backend, `kit.consumer.EventConsumer` (durable pull consumer, `fetch(100)`, one
transaction per event holding the inbox check, the inbox row and the handler's
one-row INSERT, then `ack()`) applies all of them. Baselines in the same run, on
the same stream, each with a durable consumer of its own:

- nats-py alone: a pull consumer, `fetch(100)` and `ack()` per message, no DB;
- nats-py plus the handler's INSERT done directly, one transaction per message
  (same `Database`, same table), so the difference to `EventConsumer` is the
  inbox (a SELECT and an INSERT), parsing the envelope and the logging context.

Every figure is the median of `--repeat` rounds; the range is shown next to it, and
"bench CPU" is this process's CPU time (all threads) over the wall time.
CPU per event at the small fetches of a burst (1, 3, 100), against another tree:
`bench.consumer_cost`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from uuid import UUID

import nats
from nats.aio.msg import Msg
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    String,
    Table,
    Uuid,
    func,
    insert,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from bench import common
from contracts.core import EVENT_STREAM, EventEnvelope
from kit.bus import ensure_event_stream
from kit.db import Database
from kit.logging import CORRELATION_HEADER
from kit.messaging import messaging_tables
from tests.kit.messaging.plumbing import consumer_of

if TYPE_CHECKING:
    from tests.infra.postgres import PostgresInfo

FETCH = 100
MAX_ACK_PENDING = 1000  # as EventConsumer declares it

metadata = MetaData()
tables = messaging_tables(metadata)
applied = Table(
    "applied",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("event_id", Uuid, nullable=False),
    Column("note", String(50), nullable=False),
)


async def fill_stream(js: JetStreamContext, subject_kind: str, n: int) -> str:
    """Publish `n` events (untimed setup); return their subject."""
    events = [common.bench_event(subject_kind, i) for i in range(n)]
    for chunk in common.batches(events, FETCH):
        futures = [
            await js.publish_async(
                e.subject,
                e.model_dump_json().encode(),
                headers={"Nats-Msg-Id": str(e.event_id), CORRELATION_HEADER: e.correlation_id},
                wait_stall=5.0,
            )
            for e in chunk
        ]
        await asyncio.gather(*futures)
    return events[0].subject


async def raw_consume(
    js: JetStreamContext,
    subject: str,
    durable: str,
    n: int,
    apply: Callable[[Msg], Awaitable[None]] | None,
) -> common.Stopwatch:
    """nats-py only: fetch(100), optionally `apply`, ack(); seconds until `n` acked."""
    config = ConsumerConfig(
        durable_name=durable,
        deliver_policy=DeliverPolicy.ALL,
        ack_policy=AckPolicy.EXPLICIT,
        max_ack_pending=MAX_ACK_PENDING,
        filter_subject=subject,
    )
    done = 0
    with common.Stopwatch() as sw:
        sub = await js.pull_subscribe(subject, durable=durable, stream=EVENT_STREAM, config=config)
        while done < n:
            try:
                msgs = await sub.fetch(FETCH, timeout=1.0)
            except (TimeoutError, NatsTimeoutError):
                continue
            for msg in msgs:
                if apply is not None:
                    await apply(msg)
                await msg.ack()
                done += 1
    await sub.unsubscribe()
    await js.delete_consumer(EVENT_STREAM, durable)
    return sw


async def kit_consume(
    js: JetStreamContext, db: Database, subject: str, durable: str, n: int, batched: bool = False
) -> common.Stopwatch:
    """EventConsumer with a one-row handler (and, if `batched`, a batch handler doing
    the same rows in one INSERT); seconds until `n` events are applied."""
    finished = asyncio.Event()

    async def handler(session: AsyncSession, event: EventEnvelope) -> None:
        await session.execute(insert(applied).values(event_id=event.event_id, note=durable))

    async def batch_handler(session: AsyncSession, events: Sequence[EventEnvelope]) -> None:
        rows = [{"event_id": e.event_id, "note": durable} for e in events]
        await session.execute(insert(applied), rows)

    async def until_applied() -> None:
        # Looked at, not told: a consumer's `after_commit` is called only after a
        # transaction that recorded events (kit.inbox), which this handler never does.
        while consumer.applied < n:
            await asyncio.sleep(0.005)
        finished.set()

    consumer = consumer_of(
        js,
        db,
        durable,
        subject,
        handler,
        tables=tables,
        batch_handler=batch_handler if batched else None,
    )
    stop = asyncio.Event()
    with common.Stopwatch() as sw:
        task = asyncio.create_task(consumer.run(stop))
        watching = asyncio.create_task(until_applied())
        try:
            await asyncio.wait_for(finished.wait(), timeout=600)
        finally:
            watching.cancel()
            stop.set()
    await task
    if consumer.applied != n or consumer.duplicates or consumer.dead_lettered:
        raise RuntimeError(f"{durable}: {consumer.applied} applied of {n}")
    await js.delete_consumer(EVENT_STREAM, durable)
    return sw


async def rows_of(db: Database, note: str) -> int:
    async with db.transaction() as s:
        q = select(func.count()).select_from(applied).where(applied.c.note == note)
        return int((await s.execute(q)).scalar_one())


async def bench_backend(
    js: JetStreamContext, url: str, backend: str, subject: str, n: int, repeat: int
) -> list[common.Measured]:
    direct = common.Measured(backend, "baseline: nats-py fetch+ack, INSERT, 1 tx/msg", n)
    kit = common.Measured(backend, "EventConsumer: inbox + INSERT, 1 tx/event", n)
    batch = common.Measured(backend, "EventConsumer, batch handler: 1 tx/fetch(100)", n)
    db = Database(url)
    try:
        async with db.engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
        for r in range(repeat):
            note = f"direct-{backend}-{r}"

            async def insert_directly(msg: Msg, note: str = note) -> None:
                event_id = UUID((msg.headers or {})["Nats-Msg-Id"])
                async with db.transaction() as session:
                    await session.execute(insert(applied).values(event_id=event_id, note=note))

            direct.add(await raw_consume(js, subject, note, n, insert_directly))
            kit_name = f"kit-{backend}-{r}"
            kit.add(await kit_consume(js, db, subject, kit_name, n))
            batch_name = f"batch-{backend}-{r}"
            batch.add(await kit_consume(js, db, subject, batch_name, n, batched=True))
            for name in (note, kit_name, batch_name):
                if await rows_of(db, name) != n:
                    raise RuntimeError(f"{name}: expected {n} rows")
    finally:
        await db.dispose()
    return [direct, kit, batch]


async def measure(
    nats_url: str, backends: list[str], n: int, repeat: int, tmp: Path, pg: PostgresInfo | None
) -> None:
    nc = await nats.connect(nats_url, name="bench-consumer")
    results: list[common.Measured] = []
    try:
        js = nc.jetstream()
        await ensure_event_stream(js)
        subject = await fill_stream(js, f"consume_{datetime.now(UTC):%H%M%S%f}", n)
        bare = common.Measured("nats-py", "baseline: fetch(100) + ack(), no DB", n)
        for r in range(repeat):
            bare.add(await raw_consume(js, subject, f"bare-{r}", n, None))
        results.append(bare)
        for backend in backends:
            if backend == "sqlite":
                url = common.sqlite_url(tmp / "consumer.db")
            else:
                assert pg is not None
                url = pg.create_database(f"bench_consumer_{datetime.now(UTC):%H%M%S%f}")
            results += await bench_backend(js, url, backend, subject, n, repeat)
    finally:
        await nc.close()
    common.report(
        f"Consumer: {n:,} events in the stream, median of {repeat}",
        common.measured_headers("backend", "consumer", "events", "event"),
        [r.row() for r in results],
    )


def main() -> None:
    p = common.parser(__doc__.splitlines()[0], n=5000, backend="both")
    p.add_argument("--repeat", type=int, default=3, help="rounds per figure (default 3)")
    common.run_on_nats(measure, "consumer", p.parse_args())


if __name__ == "__main__":
    common.run_main(main)
