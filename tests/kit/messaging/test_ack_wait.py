"""When JetStream delivers an event again, on real JetStream: only after its consumer
stopped answering for the ack wait (however long a batch takes to work through), and
after a failure only once the failure's growing delay has passed."""

from __future__ import annotations

import asyncio
import time

from nats.aio.client import Client
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.core import EVENT_STREAM, EventEnvelope
from kit.bus import ensure_event_stream
from kit.consumer import retry_delay
from kit.db import Database
from kit.ids import new_id
from tests.kit.messaging.plumbing import (
    Recorder,
    applied,
    consumer_of,
    count,
    event,
    run_consumer,
    tables,
)


class Slow(Recorder):
    """Takes `seconds` per event, as a loaded machine would."""

    def __init__(self, seconds: float) -> None:
        super().__init__()
        self.seconds = seconds

    async def __call__(self, session: AsyncSession, ev: EventEnvelope) -> None:
        await asyncio.sleep(self.seconds)
        await super().__call__(session, ev)


class Timed(Recorder):
    """Notes when each delivery reached the handler."""

    def __init__(self, fail_times: int) -> None:
        super().__init__(fail_times)
        self.at: list[float] = []

    async def __call__(self, session: AsyncSession, ev: EventEnvelope) -> None:
        self.at.append(time.monotonic())
        await super().__call__(session, ev)


async def publish(nc: Client, events: list[EventEnvelope]) -> None:
    js = nc.jetstream()
    await ensure_event_stream(js)
    for ev in events:
        await js.publish(ev.subject, ev.model_dump_json().encode())


async def test_the_configured_ack_wait_is_the_one_jetstream_keeps(db: Database, nc: Client):
    js = nc.jetstream()
    await ensure_event_stream(js)
    kind = f"ackwait{new_id().hex}"
    consumer = consumer_of(js, db, f"c{kind}", event(kind).subject, Recorder(), ack_wait=2.0)
    await consumer.declare()

    config = (await js.consumer_info(EVENT_STREAM, consumer.durable)).config
    # nats-server takes the first backoff step as the ack wait: the two must agree.
    assert config.ack_wait == 2.0
    assert config.backoff == [2.0, 4.0, 8.0, 16.0, 32.0]


async def test_a_consumer_declared_by_an_older_release_takes_the_new_timing(
    db: Database, nc: Client
):
    js = nc.jetstream()
    await ensure_event_stream(js)
    kind = f"upgrade{new_id().hex}"
    durable, subject = f"c{kind}", event(kind).subject
    # As an older release declared it: the 0.5 s first step JetStream took as the ack wait.
    old = consumer_of(js, db, durable, subject, Recorder()).consumer_config()
    old.ack_wait, old.backoff = 30.0, [0.5, 2.0, 8.0, 30.0, 30.0]
    await js.add_consumer(EVENT_STREAM, config=old)

    await consumer_of(js, db, durable, subject, Recorder(), ack_wait=5.0).declare()

    config = (await js.consumer_info(EVENT_STREAM, durable)).config
    assert (config.ack_wait, config.backoff) == (5.0, [5.0, 10.0, 20.0, 40.0, 80.0])


async def test_events_waiting_their_turn_longer_than_the_ack_wait_are_not_delivered_again(
    db: Database, nc: Client
):
    kind = f"slowturn{new_id().hex}"
    events = [event(kind, n) for n in range(4)]
    await publish(nc, events)
    # Fetched together and applied one by one: the last waits 1.8 s, past the 1 s ack wait.
    handler = Slow(0.6)
    consumer = consumer_of(nc.jetstream(), db, f"c{kind}", events[0].subject, handler, ack_wait=1)
    await run_consumer(consumer, lambda: consumer.applied == 4)
    await asyncio.sleep(1.5)  # anything JetStream sent again would now be in

    info = await nc.jetstream().consumer_info(EVENT_STREAM, consumer.durable)
    assert (info.num_redelivered, info.num_ack_pending, info.num_pending) == (0, 0, 0)
    assert (consumer.redelivered, consumer.duplicates, handler.calls) == (0, 0, 4)
    assert await count(db, applied) == 4


async def test_an_event_held_by_a_consumer_that_stopped_answering_is_delivered_after_the_ack_wait(
    db: Database, nc: Client
):
    kind = f"crashed{new_id().hex}"
    ev = event(kind)
    await publish(nc, [ev])
    js = nc.jetstream()
    consumer = consumer_of(js, db, f"c{kind}", ev.subject, Recorder(), ack_wait=1)
    await consumer.declare()
    # A replica fetches the event and dies before answering.
    crashed = await js.pull_subscribe_bind(durable=consumer.durable, stream=EVENT_STREAM)
    (held,) = await crashed.fetch(1, timeout=5)
    taken = time.monotonic()
    await crashed.unsubscribe()

    await run_consumer(consumer, lambda: consumer.applied == 1)

    assert held.metadata.num_delivered == 1
    assert time.monotonic() - taken >= 1.0  # not before the ack wait ran out
    assert (consumer.redelivered, consumer.duplicates) == (1, 0)
    assert await count(db, applied) == 1


async def test_a_failed_event_is_delivered_again_after_a_growing_delay(db: Database, nc: Client):
    kind = f"delayed{new_id().hex}"
    ev = event(kind)
    await publish(nc, [ev])
    handler = Timed(fail_times=2)
    consumer = consumer_of(nc.jetstream(), db, f"c{kind}", ev.subject, handler, max_deliver=3)
    await run_consumer(consumer, lambda: consumer.applied == 1)

    assert [retry_delay(n) for n in (1, 2, 3, 4, 5, 6)] == [0.25, 1.0, 4.0, 16.0, 30.0, 30.0]
    first, second, third = handler.at
    assert second - first >= retry_delay(1)
    assert third - second >= retry_delay(2)
    assert (consumer.applied, consumer.dead_lettered) == (1, 0)
    assert await count(db, tables.dead_letters) == 0
