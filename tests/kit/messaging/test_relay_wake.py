"""A consumer wakes its service's relay after a transaction that recorded events, and only
then: an applied event that records none (most of them) no longer costs a relay cycle
that finds the outbox empty."""

from __future__ import annotations

from collections.abc import Sequence

from nats.aio.client import Client
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.core import EventEnvelope
from kit.bus import ensure_event_stream
from kit.db import Database
from kit.ids import new_id
from kit.inbox import apply_batch_once, apply_once
from kit.outbox import record_event
from tests.kit.messaging.plumbing import (
    Recorder,
    consumer_of,
    count,
    event,
    run_consumer,
    tables,
)

CONSUMER = "wake-test"


class Wakes:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self) -> None:
        self.count += 1


async def records_another(session: AsyncSession, ev: EventEnvelope) -> None:
    """A handler whose application records an event of its own (as evaluation's
    scorecards do)."""
    await record_event(session, tables, event("followed", ev.data["n"]))


async def test_one_event_wakes_the_relay_only_when_it_recorded_events(db: Database):
    wakes = Wakes()
    recording, quiet = event("records"), event("quiet")

    assert await apply_once(db, tables, CONSUMER, recording, records_another, events_recorded=wakes)
    assert wakes.count == 1
    assert await apply_once(db, tables, CONSUMER, quiet, Recorder(), events_recorded=wakes)
    assert wakes.count == 1
    # A redelivery applies nothing and records nothing.
    assert not await apply_once(
        db, tables, CONSUMER, recording, records_another, events_recorded=wakes
    )
    assert wakes.count == 1
    assert await count(db, tables.outbox) == 1


async def test_a_batch_wakes_the_relay_once_when_it_recorded_events(db: Database):
    wakes = Wakes()

    async def some_record(session: AsyncSession, events: Sequence[EventEnvelope]) -> None:
        for ev in events:
            if ev.data["n"] % 2:
                await records_another(session, ev)

    quiet = [event("batch", 0), event("batch", 2)]
    assert await apply_batch_once(db, tables, CONSUMER, quiet, some_record, wakes) == quiet
    assert wakes.count == 0
    mixed = [event("batch", 3), event("batch", 4), event("batch", 5)]
    assert await apply_batch_once(db, tables, CONSUMER, mixed, some_record, wakes) == mixed
    assert wakes.count == 1
    assert await count(db, tables.outbox) == 2


async def test_a_consumer_wakes_the_relay_for_the_events_that_recorded(db: Database, nc: Client):
    js = nc.jetstream()
    await ensure_event_stream(js)
    kind = f"wake{new_id().hex}"
    wakes = Wakes()

    async def odd_ones_record(session: AsyncSession, ev: EventEnvelope) -> None:
        if ev.data["n"] % 2:
            await records_another(session, ev)

    consumer = consumer_of(
        js,
        db,
        f"c{kind}",
        f"ecohost.events.test.{kind}.v1",
        odd_ones_record,
        after_commit=wakes,
    )
    await consumer.declare()
    for n in range(4):  # one at a time: each its own transaction
        ev = event(kind, n)
        await js.publish(f"ecohost.events.test.{kind}.v1", ev.model_dump_json().encode())
        await run_consumer(consumer, lambda: consumer.applied == n + 1)  # noqa: B023
    assert wakes.count == 2
    assert await count(db, tables.outbox) == 2
