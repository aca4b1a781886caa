"""A batching consumer lingers after the first events it takes, however long ago the
previous ones came: what arrives within `linger` joins the batch (one transaction), a
lone event waits no longer than it, and without a linger nothing waits."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import pytest
from nats.aio.client import Client
from nats.js import JetStreamContext
from sqlalchemy import select

from contracts.core import EventEnvelope
from kit.bus import ensure_event_stream
from kit.consumer import MAX_LINGER
from kit.db import Database
from kit.ids import new_id
from kit.pull import Pull
from tests.kit.messaging.plumbing import (
    Recorder,
    applied,
    consumer_of,
    count,
    event,
    running,
    tables,
    until,
)
from tests.kit.messaging.test_consumer import BatchRecorder


@dataclass
class Take:
    wait: float | None  # the longest it would wait for a first event (None: its default)
    got: int  # events returned; 0 when none came in time (or not yet returned)


@pytest.fixture
def takes(monkeypatch: pytest.MonkeyPatch) -> list[Take]:
    """Every take the consumers make from their pull: its wait and what it returned."""
    seen: list[Take] = []
    take = Pull.take

    async def spy(self: Pull, most: int, wait: float | None = None) -> Any:
        seen.append(noted := Take(wait, 0))  # noted as it starts: a consumer waiting
        msgs = await take(self, most, wait)
        noted.got = len(msgs)
        return msgs

    monkeypatch.setattr(Pull, "take", spy)
    return seen


def lingered(takes: list[Take]) -> list[Take]:
    """The takes of a linger window (any other waits as long as the pull's default)."""
    return [t for t in takes if t.wait is not None]


async def publish(js: JetStreamContext, ev: EventEnvelope, msg_id: str | None = None) -> None:
    await js.publish(
        ev.subject,
        ev.model_dump_json().encode(),
        headers={"Nats-Msg-Id": msg_id or str(ev.event_id)},
    )


class OrderedBatches(BatchRecorder):
    def __init__(self) -> None:
        super().__init__()
        self.order: list[list[Any]] = []

    async def __call__(self, session: Any, events: Any) -> None:
        self.order.append([e.event_id for e in events])
        await super().__call__(session, events)


async def test_events_arriving_within_the_linger_are_applied_in_one_transaction(
    db: Database, nc: Client, takes: list[Take]
) -> None:
    js = nc.jetstream()
    await ensure_event_stream(js)
    kind = f"linger{new_id().hex}"
    events = [event(kind, n) for n in range(5)]
    one_by_one, batches = Recorder(), OrderedBatches()
    # A wide window, for a loaded machine.
    consumer = consumer_of(
        js, db, f"c{kind}", events[0].subject, one_by_one, batch_handler=batches, linger=0.3
    )
    async with running(consumer.run):
        await until(lambda: len(takes) > 0)  # bound and waiting: nothing came before
        await publish(js, events[0])
        # The first event is taken before the others are published...
        await until(lambda: any(t.got for t in takes))
        for ev in events[1:]:
            await asyncio.sleep(0.005)
            await publish(js, ev)
        await publish(js, events[2], f"{events[2].event_id}-again")  # as a redelivery
        await until(lambda: consumer.applied + consumer.duplicates >= 6)

    # ...and all of them were applied together, in the order published, once each.
    assert sum(1 for t in takes if t.got) > 1
    assert batches.order == [[e.event_id for e in events]]
    assert (consumer.applied, one_by_one.calls) == (5, 0)
    assert consumer.duplicates == 1  # the copy, and nothing JetStream sent again
    async with db.transaction() as s:
        rows = (await s.execute(select(applied.c.event_id))).scalars().all()
    assert sorted(rows) == sorted(e.event_id for e in events)
    assert await count(db, tables.inbox) == 5


async def test_a_lone_event_waits_no_longer_than_the_linger(
    db: Database, nc: Client, takes: list[Take]
) -> None:
    js = nc.jetstream()
    await ensure_event_stream(js)
    kind = f"lone{new_id().hex}"
    ev = event(kind)
    one_by_one, batches = Recorder(), BatchRecorder()
    consumer = consumer_of(
        js, db, f"c{kind}", ev.subject, one_by_one, batch_handler=batches, linger=0.05
    )
    async with running(consumer.run):
        await until(lambda: len(takes) > 0)  # nothing came for a while: it lingers still
        await publish(js, ev)
        await until(lambda: consumer.applied == 1)

    # Applied alone, through the one-event path; after the take that brought it, the
    # consumer waited for what was left of the 50 ms window, never more.
    assert (one_by_one.calls, batches.sizes) == (1, [])
    first = next(i for i, t in enumerate(takes) if t.got)
    window = lingered(takes[first + 1 :])
    assert window, "the consumer lingered"
    waits = [t.wait for t in window if t.wait is not None]
    assert all(w <= 0.05 for w in waits)
    assert waits == sorted(waits, reverse=True)  # one shrinking window
    assert [t.got for t in window] == [0] * len(window)


async def test_without_a_linger_a_consumer_never_lingers(
    db: Database, nc: Client, takes: list[Take]
) -> None:
    js = nc.jetstream()
    await ensure_event_stream(js)
    kind = f"nolinger{new_id().hex}"
    ev = event(kind)
    consumer = consumer_of(
        js, db, f"c{kind}", ev.subject, Recorder(), batch_handler=BatchRecorder(), linger=0.0
    )
    async with running(consumer.run):
        await publish(js, ev)
        await until(lambda: consumer.applied == 1)
    assert lingered(takes) == []


@pytest.mark.parametrize("linger", [-0.001, MAX_LINGER, 2.0])
def test_a_linger_is_bounded(linger: float) -> None:
    with pytest.raises(ValueError, match="linger"):
        consumer_of(None, None, "c", "s", Recorder(), linger=linger)  # type: ignore[arg-type]
