"""A consumer's one long-lived pull request (kit.pull) on real JetStream: what it holds
goes back at stop, an expired request is asked again (or renewed before it expires), a
consumer deleted under the loop and a restarted server are recovered from, and nothing
is lost or applied twice on the way."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import nats
import pytest
from nats.aio.client import Client
from nats.aio.msg import Msg
from sqlalchemy.ext.asyncio import AsyncSession
from structlog.testing import capture_logs

from contracts.core import EVENT_STREAM, EventEnvelope
from kit import pull as pull_module
from kit.bus import ensure_event_stream
from kit.consumer import EventConsumer
from kit.db import Database
from kit.ids import new_id
from kit.pull import Pull
from tests.infra.nats_server import running_nats
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

LONG_ACK_WAIT = 30.0
"""Longer than any test here waits: an event seen again came back by a nak."""


async def publish(nc: Client, events: list[EventEnvelope]) -> None:
    js = nc.jetstream()
    await ensure_event_stream(js)
    for ev in events:
        await js.publish(ev.subject, ev.model_dump_json().encode())


async def one_consumer(
    nc: Client, db: Database, name: str, n: int
) -> tuple[list[EventEnvelope], EventConsumer]:
    """`n` events of a kind of their own (not yet published) and a consumer of them."""
    js = nc.jetstream()
    await ensure_event_stream(js)
    kind = f"{name}{new_id().hex}"
    events = [event(kind, i) for i in range(n)]
    return events, consumer_of(js, db, f"c{kind}", events[0].subject, Recorder())


def requests(consumer: EventConsumer) -> int:
    """Pull requests the consumer's current pull has sent (0 before it is bound)."""
    pull = consumer._pull
    return 0 if pull is None else pull.requests


@pytest.fixture
def quick_requests(monkeypatch: pytest.MonkeyPatch) -> None:
    """Requests that expire after 1 s, with heartbeats every 0.25 s (not 30 s and 3 s)."""
    monkeypatch.setattr(pull_module, "EXPIRES", 1.0)
    monkeypatch.setattr(pull_module, "IDLE_HEARTBEAT", 0.25)
    monkeypatch.setattr(pull_module, "RENEW_BEFORE", 0.25)


class Blocking(Recorder):
    """Holds its first event until released, so the consumer is stopped mid-batch."""

    def __init__(self) -> None:
        super().__init__()
        self.started = asyncio.Event()
        self.release = asyncio.Event()

    async def __call__(self, session: AsyncSession, ev: EventEnvelope) -> None:
        if self.calls == 0:
            self.started.set()
            await self.release.wait()
        await super().__call__(session, ev)


async def test_stopping_gives_the_events_it_holds_to_another_replica_at_once(
    db: Database, nc: Client
) -> None:
    kind = f"stophand{new_id().hex}"
    events = [event(kind, n) for n in range(6)]
    await publish(nc, events)
    js, subject = nc.jetstream(), events[0].subject
    blocking = Blocking()
    # One at a time, the pull asking for two: one in hand, one waiting its turn.
    first = consumer_of(js, db, f"c{kind}", subject, blocking, batch=1, ack_wait=LONG_ACK_WAIT)
    stop = asyncio.Event()
    task = asyncio.create_task(first.run(stop))
    await asyncio.wait_for(blocking.started.wait(), 10)
    await until(lambda: first._pull is not None and len(first._pull.held) == 1)
    stop.set()
    blocking.release.set()
    await task
    assert first.applied == 1  # the event in hand was finished, the one held given back
    assert first._pull is None  # unsubscribed

    second = consumer_of(js, db, f"c{kind}", subject, Recorder(), ack_wait=LONG_ACK_WAIT)
    async with running(second.run):
        await until(lambda: second.applied == 5, timeout=10)  # well before the ack wait
    assert (second.redelivered, second.duplicates) == (1, 0)  # the nak'ed one
    assert await count(db, applied) == 6
    assert await count(db, tables.inbox) == 6


async def test_a_stopped_consumers_open_request_takes_no_event_from_the_next(
    db: Database, nc: Client
) -> None:
    js = nc.jetstream()
    await ensure_event_stream(js)
    kind = f"stopidle{new_id().hex}"
    ev = event(kind)
    idle = consumer_of(js, db, f"c{kind}", ev.subject, Recorder(), ack_wait=LONG_ACK_WAIT)
    async with running(idle.run):
        await until(lambda: requests(idle) > 0)  # its request is open on the server
    # Published after the stop: the server must not deliver it to the closed inbox
    # (it would wait out the ack wait there).
    await publish(nc, [ev])
    later = consumer_of(js, db, f"c{kind}", ev.subject, Recorder(), ack_wait=LONG_ACK_WAIT)
    async with running(later.run):
        await until(lambda: later.applied == 1, timeout=10)
    assert later.redelivered == 0


class Statuses:
    """The status codes a pull's inbox received (wrapping Pull._arrived), and how many
    requests the pull had sent when each 408 came."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.codes: list[str] = []
        self.sent_at_408: list[int] = []
        arrived = Pull._arrived

        async def spy(pull: Pull, msg: Msg) -> None:
            if msg.headers and pull_module.STATUS in msg.headers:
                self.codes.append(msg.headers[pull_module.STATUS])
                if self.codes[-1] == "408":
                    self.sent_at_408.append(pull.requests)
            await arrived(pull, msg)

        monkeypatch.setattr(Pull, "_arrived", spy)


@pytest.mark.parametrize("renewed", [False, True], ids=["expired", "renewed"])
async def test_an_expiring_request_is_asked_again_and_events_keep_coming(
    db: Database,
    nc: Client,
    quick_requests: None,
    monkeypatch: pytest.MonkeyPatch,
    renewed: bool,
) -> None:
    if not renewed:  # never renewed ahead: each request runs out into its 408
        monkeypatch.setattr(pull_module, "RENEW_BEFORE", -60.0)
    statuses = Statuses(monkeypatch)
    events, consumer = await one_consumer(nc, db, "expiry", 2)
    async with running(consumer.run):
        await publish(nc, events[:1])
        await until(lambda: consumer.applied == 1)
        # Two request lifetimes with nothing to deliver...
        await until(lambda: len(statuses.sent_at_408) >= 2)
        asked = requests(consumer)
        await publish(nc, events[1:])
        # ...and the next event is delivered as it comes, not after a gap.
        await until(lambda: consumer.applied == 2, timeout=2)

    assert "100" in statuses.codes  # the idle heartbeats
    assert asked >= 3  # the first, and one after or before each 408
    if renewed:  # the next request was out before each one ran out
        assert statuses.sent_at_408[:2] == [2, 3]
    else:  # asked again once each had run out
        assert statuses.sent_at_408[:2] == [1, 2]
    assert (consumer.applied, consumer.duplicates) == (2, 0)


async def test_a_consumer_deleted_under_a_running_loop_is_declared_again(
    db: Database, nc: Client
) -> None:
    js = nc.jetstream()
    events, consumer = await one_consumer(nc, db, "deleted", 2)
    with capture_logs() as logs:
        async with running(consumer.run):
            await publish(nc, events[:1])
            await until(lambda: consumer.applied == 1)
            await js.delete_consumer(EVENT_STREAM, consumer.durable)
            await publish(nc, events[1:])
            await until(lambda: consumer.applied == 2)

    failed = [e for e in logs if e["event"] == "consumer.fetch_failed"]
    assert failed, logs
    assert failed[0]["error"].startswith("409"), logs
    # Declared again from the stream's start: the first event came again, and the inbox
    # knew it.
    assert (consumer.applied, consumer.duplicates) == (2, 1)
    assert await count(db, applied) == 2


@pytest.mark.parametrize("stopped", ["shut-down", "killed"])
async def test_after_the_server_restarts_the_request_is_asked_again_and_nothing_is_lost(
    db: Database,
    tmp_path: Path,
    quick_requests: None,
    monkeypatch: pytest.MonkeyPatch,
    stopped: str,
) -> None:
    sent = Requests(monkeypatch)
    with running_nats(tmp_path) as server:
        nc = await nats.connect(server.url, reconnect_time_wait=0.1, max_reconnect_attempts=-1)
        try:
            events, consumer = await one_consumer(nc, db, "restart", 6)
            async with running(consumer.run):
                await publish(nc, events[:3])
                await until(lambda: consumer.applied == 3)
                asked = sent.count
                # The server forgets every pull request; the client reconnects. Shut
                # down, it says so first (409 Server Shutdown: the consumer binds
                # again); killed, it says nothing (the reconnect is the sign).
                with capture_logs() as logs:
                    if stopped == "killed":
                        await asyncio.to_thread(server.kill)
                        await asyncio.to_thread(server.start)
                    else:
                        await asyncio.to_thread(server.restart)
                    await until(lambda: nc.stats["reconnects"] == 1 and nc.is_connected)
                    await _published_once_back(nc, events[3:])
                    await until(lambda: consumer.applied == 6, timeout=20)
                assert sent.count > asked
        finally:
            await nc.close()

    seen = [(e["event"], e.get("error") or e.get("reconnected")) for e in logs]
    if stopped == "killed":
        assert ("consumer.pull_renewed", True) in seen, seen
    else:
        assert ("consumer.fetch_failed", "409 Server Shutdown") in seen, seen

    assert consumer.dead_lettered == 0
    assert await count(db, applied) == 6  # each once, none lost
    assert await count(db, tables.inbox) == 6


class Requests:
    """Counts the pull requests every pull sends (wrapping Pull._request)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        request = Pull._request

        async def spy(pull: Pull, events: int) -> None:
            self.count += 1
            await request(pull, events)

        monkeypatch.setattr(Pull, "_request", spy)


async def _published_once_back(nc: Client, events: list[EventEnvelope]) -> None:
    """Publish, retrying while JetStream is still coming up after the restart (the
    message id keeps a retried publish from being stored twice)."""
    js = nc.jetstream()
    for ev in events:
        headers: Any = {"Nats-Msg-Id": str(ev.event_id)}
        for attempt in range(50):
            try:
                await js.publish(ev.subject, ev.model_dump_json().encode(), headers=headers)
                break
            except Exception:
                if attempt == 49:
                    raise
                await asyncio.sleep(0.1)
