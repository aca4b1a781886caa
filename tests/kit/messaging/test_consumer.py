"""The idempotent consumer on real JetStream: one apply per event through the inbox,
retries without partial writes, poison events kept, batches in one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from nats.aio.client import Client
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from structlog.testing import capture_logs

from contracts.core import EventEnvelope
from kit.bus import ensure_event_stream
from kit.db import Database
from kit.ids import new_id
from kit.inbox import NotBatchable
from tests.kit.messaging.plumbing import (
    Recorder,
    applied,
    consumer_of,
    count,
    event,
    run_consumer,
    tables,
)


async def test_consumer_applies_a_redelivered_event_once(db: Database, nc: Client):
    js = nc.jetstream()
    await ensure_event_stream(js)
    kind = f"idem{new_id().hex}"
    ev = event(kind)
    # The same event twice under different message ids gets past the stream's dedupe,
    # as a redelivery after a lost ack would: the inbox must catch it.
    for msg_id in ("a", "b"):
        await js.publish(
            ev.subject,
            ev.model_dump_json().encode(),
            headers={"Nats-Msg-Id": f"{ev.event_id}-{msg_id}"},
        )
    handler = Recorder()
    consumer = consumer_of(js, db, f"c{kind}", ev.subject, handler)
    await run_consumer(consumer, lambda: consumer.applied + consumer.duplicates >= 2)

    assert (consumer.applied, consumer.duplicates, handler.calls) == (1, 1, 1)
    assert await count(db, applied) == 1
    assert await count(db, tables.inbox) == 1


async def test_consumer_retries_a_failing_handler_without_partial_writes(db: Database, nc: Client):
    js = nc.jetstream()
    await ensure_event_stream(js)
    kind = f"retry{new_id().hex}"
    ev = event(kind)
    await js.publish(ev.subject, ev.model_dump_json().encode())
    handler = Recorder(fail_times=1)
    consumer = consumer_of(js, db, f"c{kind}", ev.subject, handler, max_deliver=3)
    await run_consumer(consumer, lambda: consumer.applied == 1)

    assert handler.calls == 2  # failed once (rolled back), then applied
    assert await count(db, applied) == 1
    assert await count(db, tables.dead_letters) == 0


async def test_consumer_keeps_a_poison_event_as_a_dead_letter(db: Database, nc: Client):
    js = nc.jetstream()
    await ensure_event_stream(js)
    kind = f"poison{new_id().hex}"
    ev = event(kind)
    await js.publish(ev.subject, ev.model_dump_json().encode())
    handler = Recorder(fail_times=100)
    consumer = consumer_of(js, db, f"c{kind}", ev.subject, handler, max_deliver=2)
    await run_consumer(consumer, lambda: consumer.dead_lettered == 1)

    assert handler.calls == 2
    assert await count(db, applied) == 0  # every failed attempt rolled back
    assert await count(db, tables.inbox) == 0
    async with db.transaction() as s:
        row = (await s.execute(select(tables.dead_letters))).one()
    assert row.event_id == ev.event_id
    assert row.deliveries == 2
    assert "handler failed on purpose" in row.error
    assert UUID(EventEnvelope.model_validate_json(row.payload).event_id.hex) == ev.event_id


async def test_consumer_dead_letters_unparseable_messages_at_once(db: Database, nc: Client):
    js = nc.jetstream()
    await ensure_event_stream(js)
    subject = f"ecohost.events.test.garbage{new_id().hex}.v1"
    await js.publish(subject, b"not json")
    consumer = consumer_of(js, db, f"g{new_id().hex}", subject, Recorder())
    await run_consumer(consumer, lambda: consumer.dead_lettered == 1)
    async with db.transaction() as s:
        row = (await s.execute(select(tables.dead_letters))).one()
    assert row.payload == "not json"
    assert row.deliveries == 1


class BatchRecorder:
    """A batch handler: one INSERT per event; refuses any batch holding `poison`."""

    def __init__(self, poison: UUID | None = None) -> None:
        self.sizes: list[int] = []
        self.poison = poison

    async def __call__(self, session: AsyncSession, events: Sequence[EventEnvelope]) -> None:
        self.sizes.append(len(events))
        for ev in events:
            await session.execute(insert(applied).values(event_id=ev.event_id, note="batch"))
        if any(ev.event_id == self.poison for ev in events):
            raise RuntimeError("batch failed on purpose")


async def publish_all(nc: Client, events: list[EventEnvelope]) -> None:
    js = nc.jetstream()
    await ensure_event_stream(js)
    for ev in events:
        await js.publish(ev.subject, ev.model_dump_json().encode())


async def test_a_batch_consumer_applies_each_fetched_batch_once_in_one_transaction(
    db: Database, nc: Client
):
    kind = f"batch{new_id().hex}"
    events = [event(kind, n) for n in range(30)]
    await publish_all(nc, events)
    # A redelivery of one of them (another message id) lands in a later batch.
    await nc.jetstream().publish(
        events[3].subject,
        events[3].model_dump_json().encode(),
        headers={"Nats-Msg-Id": f"{events[3].event_id}-again"},
    )
    one_by_one, batches = Recorder(), BatchRecorder()
    consumer = consumer_of(
        nc.jetstream(), db, f"c{kind}", events[0].subject, one_by_one, batch_handler=batches
    )
    await run_consumer(consumer, lambda: consumer.applied + consumer.duplicates >= 31)

    assert (consumer.applied, consumer.duplicates, consumer.dead_lettered) == (30, 1, 0)
    assert sum(batches.sizes) + one_by_one.calls == 30
    assert max(batches.sizes) > 1  # batches, not one transaction per event
    async with db.transaction() as s:
        rows = (await s.execute(select(applied.c.event_id))).scalars().all()
    assert sorted(rows) == sorted(e.event_id for e in events)
    assert await count(db, tables.inbox) == 30


async def test_a_failing_batch_is_rolled_back_and_applied_one_by_one(db: Database, nc: Client):
    kind = f"poisonbatch{new_id().hex}"
    events = [event(kind, n) for n in range(10)]
    poison = events[4]
    await publish_all(nc, events)
    batches = BatchRecorder(poison=poison.event_id)

    class OneByOne(Recorder):
        async def __call__(self, session: AsyncSession, ev: EventEnvelope) -> None:
            await super().__call__(session, ev)
            if ev.event_id == poison.event_id:
                raise RuntimeError("handler failed on purpose")

    one_by_one = OneByOne()
    consumer = consumer_of(
        nc.jetstream(),
        db,
        f"c{kind}",
        events[0].subject,
        one_by_one,
        batch_handler=batches,
        max_deliver=2,
    )
    await run_consumer(consumer, lambda: consumer.dead_lettered == 1 and consumer.applied == 9)

    # Nothing of the failed batch stayed; its other events were applied once each.
    async with db.transaction() as s:
        rows = (await s.execute(select(applied.c.event_id, applied.c.note))).all()
    assert sorted(r.event_id for r in rows) == sorted(e.event_id for e in events if e is not poison)
    assert await count(db, tables.inbox) == 9
    async with db.transaction() as s:
        letter = (await s.execute(select(tables.dead_letters))).one()
    assert letter.event_id == poison.event_id


async def test_a_batch_the_handler_declines_is_applied_one_by_one_without_a_failure(
    db: Database, nc: Client
):
    kind = f"declined{new_id().hex}"
    events = [event(kind, n) for n in range(30)]
    await publish_all(nc, events)
    asked: list[int] = []

    async def decline(session: AsyncSession, batch: Sequence[EventEnvelope]) -> None:
        asked.append(len(batch))
        raise NotBatchable

    one_by_one = Recorder()
    consumer = consumer_of(
        nc.jetstream(), db, f"c{kind}", events[0].subject, one_by_one, batch_handler=decline
    )
    with capture_logs() as logs:
        await run_consumer(consumer, lambda: consumer.applied == 30)

    assert max(asked, default=0) > 1  # offered as a batch, declined
    assert (consumer.applied, consumer.dead_lettered) == (30, 0)
    assert one_by_one.calls == 30
    async with db.transaction() as s:
        rows = (await s.execute(select(applied.c.event_id))).scalars().all()
    assert sorted(rows) == sorted(e.event_id for e in events)
    assert await count(db, tables.inbox) == 30
    assert [e for e in logs if e["event"] == "consumer.batch_failed"] == []
