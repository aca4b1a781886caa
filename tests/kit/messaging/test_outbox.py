"""The outbox relay on real JetStream: commit order, deduplication, a NATS outage."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from nats.aio.client import Client
from nats.js.api import ConsumerConfig, DeliverPolicy
from sqlalchemy import func, select, update

from contracts.core import EventEnvelope
from kit.bus import connect, ensure_event_stream
from kit.db import Database
from kit.ids import new_id
from kit.messaging import MessagingTables
from kit.outbox import OutboxRelay
from kit.settings import ProcessSettings
from tests.infra.nats_server import running_nats
from tests.kit.messaging.plumbing import (
    event,
    record,
    tables,
)


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
