"""A batching consumer lingers after the first event of a fetch while events come close
together: what arrives within `linger` joins the batch (one transaction), a lone event
waits no longer than it, and after a quiet spell an event does not wait at all."""

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
from kit.consumer import FETCH_TIMEOUT
from kit.db import Database
from kit.ids import new_id
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
class Fetch:
    timeout: float
    got: int  # messages returned; 0 when it timed out


@pytest.fixture
def fetches(monkeypatch: pytest.MonkeyPatch) -> list[Fetch]:
    """Every fetch the consumers make: its timeout and how many messages it returned."""
    seen: list[Fetch] = []
    fetch = JetStreamContext.PullSubscription.fetch

    async def spy(self: Any, batch: int = 1, timeout: float | None = 5, **kw: Any) -> Any:
        try:
            msgs = await fetch(self, batch, timeout, **kw)
        except TimeoutError:
            seen.append(Fetch(timeout or 0.0, 0))
            raise
        seen.append(Fetch(timeout or 0.0, len(msgs)))
        return msgs

    monkeypatch.setattr(JetStreamContext.PullSubscription, "fetch", spy)
    return seen


@pytest.fixture
def gate_open(monkeypatch: pytest.MonkeyPatch) -> None:
    """Linger whenever a fetch brings fewer than a batch, however long ago the last
    events came (so a test need not first make the consumer busy)."""
    monkeypatch.setattr("kit.consumer.LINGER_GATE", 1e9)


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
    db: Database, nc: Client, fetches: list[Fetch], gate_open: None
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
        await until(lambda: len(fetches) > 0)  # bound and waiting
        await publish(js, events[0])
        # The first event is out of its fetch before the others are published...
        await until(lambda: any(f.got for f in fetches))
        for ev in events[1:]:
            await asyncio.sleep(0.005)
            await publish(js, ev)
        await publish(js, events[2], f"{events[2].event_id}-again")  # as a redelivery
        await until(lambda: consumer.applied + consumer.duplicates >= 6)

    # ...and all of them were applied together, in the order published, once each.
    assert sum(1 for f in fetches if f.got) > 1
    assert batches.order == [[e.event_id for e in events]]
    assert (consumer.applied, one_by_one.calls) == (5, 0)
    assert consumer.duplicates == 1  # the copy, and nothing JetStream sent again
    async with db.transaction() as s:
        rows = (await s.execute(select(applied.c.event_id))).scalars().all()
    assert sorted(rows) == sorted(e.event_id for e in events)
    assert await count(db, tables.inbox) == 5


async def test_a_lone_event_waits_no_longer_than_the_linger(
    db: Database, nc: Client, fetches: list[Fetch], gate_open: None
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
        await until(lambda: len(fetches) > 0)
        await publish(js, ev)
        await until(lambda: consumer.applied == 1)

    # Applied alone, through the one-event path; after the fetch that brought it, the
    # top-ups asked for what was left of the 50 ms window, never more.
    assert (one_by_one.calls, batches.sizes) == (1, [])
    first = next(i for i, f in enumerate(fetches) if f.got)
    top_ups = [f.timeout for f in fetches[first + 1 :] if f.timeout != FETCH_TIMEOUT]
    assert top_ups, "the consumer lingered"
    assert all(t <= 0.05 for t in top_ups)
    assert top_ups == sorted(top_ups, reverse=True)  # one shrinking window
    assert [f.got for f in fetches[first + 1 : first + 1 + len(top_ups)]] == [0] * len(top_ups)


async def test_after_a_quiet_spell_an_event_is_applied_without_lingering(
    db: Database, nc: Client, fetches: list[Fetch]
) -> None:
    js = nc.jetstream()
    await ensure_event_stream(js)
    kind = f"quiet{new_id().hex}"
    ev = event(kind)
    one_by_one = Recorder()
    consumer = consumer_of(
        js, db, f"c{kind}", ev.subject, one_by_one, batch_handler=BatchRecorder(), linger=0.05
    )
    async with running(consumer.run):
        await until(lambda: len(fetches) > 0)  # nothing came for a while
        await publish(js, ev)
        await until(lambda: consumer.applied == 1)
    assert one_by_one.calls == 1
    assert {f.timeout for f in fetches} == {FETCH_TIMEOUT}  # no top-up


async def test_without_a_linger_a_consumer_never_tops_up(
    db: Database, nc: Client, fetches: list[Fetch]
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
    assert {f.timeout for f in fetches} == {FETCH_TIMEOUT}


@pytest.mark.parametrize("linger", [-0.001, FETCH_TIMEOUT, 2.0])
def test_a_linger_is_bounded_by_the_fetch_timeout(linger: float) -> None:
    with pytest.raises(ValueError, match="linger"):
        consumer_of(None, None, "c", "s", Recorder(), linger=linger)  # type: ignore[arg-type]
