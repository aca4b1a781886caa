"""The relay's leadership on PostgreSQL: the leader publishes through the connection that
holds its advisory lock. When the server ends that connection (pg_terminate_backend) the
old leader stops publishing and competes again, another replica takes over, and every
event reaches the stream once, in commit order."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from nats.aio.client import Client
from nats.js import JetStreamContext
from sqlalchemy import text

from contracts.core import EventEnvelope
from kit.bus import ensure_event_stream
from kit.db import Database
from kit.ids import new_id
from kit.outbox import OutboxRelay
from tests.infra.postgres import PostgresInfo
from tests.kit.messaging.plumbing import event, metadata, record, running, tables, until
from tests.kit.messaging.test_outbox import stream_messages, unsent

POLL = 0.1  # a replica that does not lead tries the lock every 5 polls


@pytest.fixture
async def replicas(postgres: PostgresInfo) -> AsyncIterator[list[Database]]:
    """Two replicas' databases: one PostgreSQL database, a pool each."""
    url = postgres.create_database(f"relay_leader_{new_id().hex[:16]}")
    dbs = [Database(url), Database(url)]
    async with dbs[0].engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    yield dbs
    for db in dbs:
        await db.dispose()


@pytest.fixture
async def js(nc: Client) -> JetStreamContext:
    context = nc.jetstream()
    await ensure_event_stream(context)
    return context


async def lock_holder(db: Database) -> int | None:
    """The backend holding an advisory lock in this database: the leader's connection."""
    async with db.engine.connect() as conn:
        found = await conn.execute(
            text(
                "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted"
                " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            )
        )
        pid = found.scalar()
        return None if pid is None else int(pid)


async def terminate(db: Database, pid: int) -> None:
    async with db.engine.connect() as conn:
        await conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        await conn.commit()


async def test_a_leader_whose_connection_is_cut_stops_and_another_replica_takes_over(
    replicas: list[Database], nc: Client, js: JetStreamContext
) -> None:
    kind = f"leader{new_id().hex}"
    first, second = (OutboxRelay(db, tables, js, name=kind, poll_interval=POLL) for db in replicas)
    recorded: list[EventEnvelope] = []

    async def commit(n: int) -> None:
        events = [event(kind, len(recorded) + i) for i in range(n)]
        await record(replicas[0], events)
        recorded.extend(events)
        first.notify()

    async with running(first.run):
        await until(lambda: first.leading)
        async with running(second.run):
            await commit(5)
            await until(lambda: first.published == 5)
            # Cut the leader's connection, events still committing, until the second
            # replica leads (the first competes again after its loss at the pace of the
            # others, so it may win the lock back once or twice first).
            cuts = 0
            async with asyncio.timeout(30):
                while not second.leading:
                    pid = await lock_holder(replicas[1])
                    if pid is not None and first.leading:
                        await terminate(replicas[1], pid)
                        cuts += 1
                    await commit(1)
                    await asyncio.sleep(POLL)
            assert cuts >= 1
            assert not first.leading
            # The old leader publishes nothing more: its commits are sent by the new one.
            published_by_first = first.published
            await commit(5)
            await until(lambda: first.published + second.published >= len(recorded))
            await until(lambda: second.published > 0)
            assert first.published == published_by_first
            assert not first.leading

    assert await unsent(replicas[0]) == 0
    messages = await stream_messages(nc, f"ecohost.events.test.{kind}.v1", len(recorded))
    assert [m.headers["Nats-Msg-Id"] for m in messages] == [str(e.event_id) for e in recorded]


async def test_a_sole_leader_whose_connection_is_cut_leads_again(
    replicas: list[Database], nc: Client, js: JetStreamContext
) -> None:
    kind = f"sole{new_id().hex}"
    relay = OutboxRelay(replicas[0], tables, js, name=kind, poll_interval=POLL)
    events = [event(kind, n) for n in range(6)]
    async with running(relay.run):
        await until(lambda: relay.leading)
        await record(replicas[0], events[:3])
        relay.notify()
        await until(lambda: relay.published == 3)
        holder = await lock_holder(replicas[1])
        assert holder is not None
        await terminate(replicas[1], holder)
        await record(replicas[0], events[3:])
        relay.notify()
        await until(lambda: relay.published == 6)
        # Leading again, on a connection of its own: the lock is held by another backend.
        assert relay.leading
        assert await lock_holder(replicas[1]) not in (None, holder)
    messages = await stream_messages(nc, f"ecohost.events.test.{kind}.v1", 6)
    assert [m.headers["Nats-Msg-Id"] for m in messages] == [str(e.event_id) for e in events]
