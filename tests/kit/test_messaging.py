"""Outbox relay and idempotent consumer on real JetStream, with SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from nats.aio.client import Client
from nats.js.api import ConsumerConfig, DeliverPolicy
from sqlalchemy import Column, MetaData, String, Table, Uuid, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.core import EventEnvelope
from kit.bus import connect, ensure_event_stream
from kit.consumer import EventConsumer
from kit.db import Database
from kit.ids import new_id
from kit.inbox import apply_once
from kit.messaging import MessagingTables, messaging_tables
from kit.outbox import OutboxRelay, record_event
from kit.replay import Replayed, replay_dead_letters
from kit.runtime import Subscription
from kit.settings import ProcessSettings
from tests.infra.dead_letters import keep_as_dead_letter
from tests.infra.nats_server import running_nats

metadata = MetaData()
tables = messaging_tables(metadata)
applied = Table(
    "applied", metadata, Column("event_id", Uuid, primary_key=True), Column("note", String(50))
)


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    async with database.engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    yield database
    await database.dispose()


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


async def record(db: Database, events: list[EventEnvelope]) -> None:
    async with db.transaction() as session:
        for e in events:
            await record_event(session, tables, e)


async def stream_messages(nc: Client, subject: str, expected: int) -> list[Any]:
    js = nc.jetstream()
    sub = await js.pull_subscribe(subject, config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL))
    got: list[Any] = []
    try:
        while len(got) < expected + 1:
            batch = await sub.fetch(expected + 1, timeout=1.0)
            got.extend(batch)
    except TimeoutError:
        pass
    finally:
        await sub.unsubscribe()
    return got


async def unsent(db: Database, t: MessagingTables = tables) -> int:
    async with db.transaction() as s:
        q = select(func.count()).select_from(t.outbox).where(t.outbox.c.sent_at.is_(None))
        return int((await s.execute(q)).scalar_one())


async def test_relay_publishes_in_commit_order_with_event_id_as_msg_id(db: Database, nc: Client):
    js = nc.jetstream()
    await ensure_event_stream(js)
    kind = f"order{new_id().hex}"
    events = [event(kind, n) for n in range(5)]
    await record(db, events)
    relay = OutboxRelay(db, tables, js, name="t")

    assert await relay.drain() == 5

    msgs = await stream_messages(nc, f"ecohost.events.test.{kind}.v1", 5)
    assert [m.headers["Nats-Msg-Id"] for m in msgs] == [str(e.event_id) for e in events]
    assert [EventEnvelope.model_validate_json(m.data).data["n"] for m in msgs] == [0, 1, 2, 3, 4]
    assert await unsent(db) == 0


async def test_relay_republishing_after_a_crash_is_deduplicated_by_the_stream(
    db: Database, nc: Client
):
    js = nc.jetstream()
    await ensure_event_stream(js)
    kind = f"dupe{new_id().hex}"
    await record(db, [event(kind, n) for n in range(3)])
    relay = OutboxRelay(db, tables, js, name="t")
    await relay.drain()
    # A crash after publishing but before marking the rows sent: they go out again.
    async with db.transaction() as s:
        await s.execute(update(tables.outbox).values(sent_at=None))
    assert await relay.drain() == 3

    msgs = await stream_messages(nc, f"ecohost.events.test.{kind}.v1", 3)
    assert len(msgs) == 3


async def test_relay_waits_out_a_nats_outage_and_loses_nothing(db: Database, tmp_path: Path):
    with running_nats(tmp_path / "nats") as server:
        settings = ProcessSettings(nats_url=server.url)
        client = await connect(settings, name="relay-test")
        js = client.jetstream()
        await ensure_event_stream(js)
        kind = f"outage{new_id().hex}"
        relay = OutboxRelay(db, tables, js, name="t", poll_interval=0.1, publish_timeout=0.5)
        stop = asyncio.Event()
        server.stop()
        await record(db, [event(kind, n) for n in range(10)])
        task = asyncio.create_task(relay.run(stop))
        await asyncio.sleep(1.5)
        assert await unsent(db) == 10  # nothing marked sent while NATS is away
        async with db.transaction() as s:
            attempts = (await s.execute(select(func.max(tables.outbox.c.attempts)))).scalar_one()
        assert attempts >= 1  # the failure is visible on the rows

        server.restart()
        for _ in range(100):
            if await unsent(db) == 0:
                break
            await asyncio.sleep(0.1)
        stop.set()
        await task
        assert await unsent(db) == 0
        msgs = await stream_messages(client, f"ecohost.events.test.{kind}.v1", 10)
        assert sorted(EventEnvelope.model_validate_json(m.data).data["n"] for m in msgs) == list(
            range(10)
        )
        await client.close()


class Recorder:
    def __init__(self, fail_times: int = 0) -> None:
        self.calls = 0
        self.fail_times = fail_times

    async def __call__(self, session: AsyncSession, ev: EventEnvelope) -> None:
        self.calls += 1
        await session.execute(insert(applied).values(event_id=ev.event_id, note="x"))
        if self.calls <= self.fail_times:
            raise RuntimeError("handler failed on purpose")


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
    consumer = EventConsumer(
        js=js,
        db=db,
        tables=tables,
        durable=f"c{kind}",
        filter_subjects=[ev.subject],
        handler=handler,
    )
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
    consumer = EventConsumer(
        js=js,
        db=db,
        tables=tables,
        durable=f"c{kind}",
        filter_subjects=[ev.subject],
        handler=handler,
        max_deliver=3,
    )
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
    consumer = EventConsumer(
        js=js,
        db=db,
        tables=tables,
        durable=f"c{kind}",
        filter_subjects=[ev.subject],
        handler=handler,
        max_deliver=2,
    )
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
    consumer = EventConsumer(
        js=js,
        db=db,
        tables=tables,
        durable=f"g{new_id().hex}",
        filter_subjects=[subject],
        handler=Recorder(),
    )
    await run_consumer(consumer, lambda: consumer.dead_lettered == 1)
    async with db.transaction() as s:
        row = (await s.execute(select(tables.dead_letters))).one()
    assert row.payload == "not json"
    assert row.deliveries == 1


async def dead_letter(db: Database, ev: EventEnvelope, consumer: str) -> int:
    return await keep_as_dead_letter(db, tables, ev, consumer)


async def unreplayed(db: Database) -> list[int]:
    letters = tables.dead_letters
    async with db.transaction() as s:
        q = select(letters.c.id).where(letters.c.replayed_at.is_(None)).order_by(letters.c.id)
        return list((await s.execute(q)).scalars())


async def test_a_dead_letter_replayed_after_the_fix_is_applied_once(db: Database, nc: Client):
    js = nc.jetstream()
    await ensure_event_stream(js)
    kind = f"replay{new_id().hex}"
    ev = event(kind)
    await js.publish(ev.subject, ev.model_dump_json().encode())
    durable = f"r{kind}"
    broken = Recorder(fail_times=100)
    consumer = EventConsumer(
        js=js,
        db=db,
        tables=tables,
        durable=durable,
        filter_subjects=[ev.subject],
        handler=broken,
        max_deliver=2,
    )
    await run_consumer(consumer, lambda: consumer.dead_lettered == 1)
    async with db.transaction() as s:
        letter_id = (await s.execute(select(tables.dead_letters.c.id))).scalar_one()

    fixed = Recorder()
    [done] = await replay_dead_letters(db, tables, {durable: Subscription(durable, [], fixed)})
    assert done == Replayed(letter_id, durable, str(ev.event_id), "applied")
    assert fixed.calls == 1
    assert await count(db, applied) == 1
    assert await count(db, tables.inbox) == 1
    async with db.transaction() as s:
        kept = (await s.execute(select(tables.dead_letters))).one()
    assert kept.replayed_at is not None  # on record, no longer counted
    assert await unreplayed(db) == []
    # Nothing left to replay, and a redelivery of the event would find the inbox row.
    assert await replay_dead_letters(db, tables, {durable: Subscription(durable, [], fixed)}) == []
    assert not await apply_once(db, tables, durable, ev, fixed)
    assert fixed.calls == 1


async def test_a_replay_that_fails_again_keeps_the_dead_letter(db: Database):
    ev = event("still-broken")
    letter_id = await dead_letter(db, ev, "c1")
    still = Recorder(fail_times=1)
    [done] = await replay_dead_letters(
        db, tables, {"c1": Subscription("c1", [], still)}, ids=[letter_id]
    )
    assert (done.result, done.error) == ("failed", "RuntimeError: handler failed on purpose")
    assert await count(db, applied) == 0  # the handler's write rolled back
    assert await count(db, tables.inbox) == 0
    async with db.transaction() as s:
        row = (await s.execute(select(tables.dead_letters))).one()
    assert row.id == letter_id
    assert "Traceback" in row.error  # the new failure, with its stack
    # The next replay, with the handler now working, applies it.
    [again] = await replay_dead_letters(db, tables, {"c1": Subscription("c1", [], still)})
    assert again.result == "applied"
    assert await count(db, applied) == 1


async def test_replay_of_an_event_applied_since_only_removes_the_dead_letter(db: Database):
    ev = event("applied-since")
    await apply_once(db, tables, "c1", ev, Recorder())
    await dead_letter(db, ev, "c1")
    handler = Recorder()
    [done] = await replay_dead_letters(db, tables, {"c1": Subscription("c1", [], handler)})
    assert done.result == "already_applied"
    assert handler.calls == 0
    assert await count(db, applied) == 1
    assert await unreplayed(db) == []


async def test_replay_leaves_what_it_cannot_handle(db: Database):
    unknown = await dead_letter(db, event("orphan"), "gone-consumer")
    chosen = await dead_letter(db, event("chosen"), "c1")
    other = await dead_letter(db, event("other"), "c1")
    async with db.transaction() as s:
        await s.execute(
            update(tables.dead_letters).where(tables.dead_letters.c.id == other).values(payload="{")
        )
    typo = other + 1000
    done = await replay_dead_letters(
        db, tables, {"c1": Subscription("c1", [], Recorder())}, ids=[unknown, chosen, other, typo]
    )
    assert [(d.dead_letter_id, d.result) for d in done] == [
        (unknown, "unknown_consumer"),
        (chosen, "applied"),
        (other, "failed"),
        (typo, "not_found"),
    ]
    assert (done[2].error or "").startswith("unparseable event")
    assert await unreplayed(db) == [unknown, other]


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
    consumer = EventConsumer(
        js=nc.jetstream(),
        db=db,
        tables=tables,
        durable=f"c{kind}",
        filter_subjects=[events[0].subject],
        handler=one_by_one,
        batch_handler=batches,
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
    consumer = EventConsumer(
        js=nc.jetstream(),
        db=db,
        tables=tables,
        durable=f"c{kind}",
        filter_subjects=[events[0].subject],
        handler=one_by_one,
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
