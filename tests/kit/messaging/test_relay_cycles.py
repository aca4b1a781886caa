"""The relay's cycle: one read of the outbox per cycle that publishes (no empty read after
it), and a commit that lands during a cycle goes out at once, not at the next poll."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from nats.aio.client import Client
from sqlalchemy import Row
from sqlalchemy import event as sa_event

from kit.bus import ensure_event_stream
from kit.db import Database
from kit.ids import new_id
from kit.outbox import OutboxRelay
from tests.kit.messaging.plumbing import event, record, running, tables, until

_READ = re.compile(r"^\s*SELECT\b.*\bFROM\s+\S*outbox\b", re.IGNORECASE | re.DOTALL)
_OUTBOX = re.compile(r"^\s*(SELECT|UPDATE|INSERT)\b.*\boutbox\b", re.IGNORECASE | re.DOTALL)
POLL = 60.0  # longer than any test here waits: only a notify can start a cycle


@pytest.fixture
def reads(db: Database) -> Iterator[list[str]]:
    """Every SELECT of the outbox the relay (or the test) makes."""
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if _READ.match(statement):
            seen.append(statement)

    sa_event.listen(db.engine.sync_engine, "before_cursor_execute", count)
    yield seen
    sa_event.remove(db.engine.sync_engine, "before_cursor_execute", count)


async def test_a_cycle_that_publishes_reads_the_outbox_once(
    db: Database, nc: Client, reads: list[str]
) -> None:
    js = nc.jetstream()
    await ensure_event_stream(js)
    kind = f"cycle{new_id().hex}"
    relay = OutboxRelay(db, tables, js, name=f"t{kind}", poll_interval=POLL)
    async with running(relay.run):
        await until(lambda: len(reads) == 1)  # the first look, at start
        for n in (1, 2):
            await record(db, [event(kind, n)])
            relay.notify()
            await until(lambda: relay.published == n)  # noqa: B023 (awaited at once)
    # At start, one per published event, and the final flush when stopping.
    assert len(reads) == 4
    assert relay.published == 2


async def test_a_commit_during_a_cycle_is_published_without_waiting_for_the_poll(
    db: Database, nc: Client
) -> None:
    js = nc.jetstream()
    await ensure_event_stream(js)
    kind = f"meanwhile{new_id().hex}"
    late = event(kind, 2)

    class CommitDuringCycle(OutboxRelay):
        committed = False

        async def _publish_batch(self, rows: Sequence[Row[Any]]) -> tuple[int, Sequence[Row[Any]]]:
            sent, following = await super()._publish_batch(rows)
            if sent and not self.committed:
                # After this cycle read the outbox: its next read must come at once.
                self.committed = True
                await record(db, [late])
                self.notify()
            return sent, following

    relay = CommitDuringCycle(db, tables, js, name=f"t{kind}", poll_interval=POLL)
    await record(db, [event(kind, 1)])
    async with running(relay.run):
        await until(lambda: relay.published == 2)
    assert relay.committed


async def test_a_commit_before_the_mark_is_read_in_the_marks_transaction(
    db: Database, nc: Client
) -> None:
    """A commit that lands while a cycle publishes: the mark's transaction reads the next
    rows after marking, so a busy relay makes one transaction a cycle, not two."""
    js = nc.jetstream()
    await ensure_event_stream(js)
    kind = f"busy{new_id().hex}"
    late = event(kind, 2)
    steps: list[str] = []

    def statement(_conn: Any, _cursor: Any, text: str, *_args: Any) -> None:
        if found := _OUTBOX.match(text):
            steps.append(found.group(1).upper())

    def commit(_conn: Any) -> None:
        steps.append("COMMIT")

    class CommitWhilePublishing(OutboxRelay):
        committed = False

        async def _publish_batch(self, rows: Sequence[Row[Any]]) -> tuple[int, Sequence[Row[Any]]]:
            if not self.committed:  # after the read, before the publish and the mark
                self.committed = True
                await record(db, [late])
                self.notify()
            return await super()._publish_batch(rows)

    relay = CommitWhilePublishing(db, tables, js, name=f"t{kind}", poll_interval=POLL)
    await record(db, [event(kind, 1)])
    sa_event.listen(db.engine.sync_engine, "before_cursor_execute", statement)
    sa_event.listen(db.engine.sync_engine, "commit", commit)
    try:
        async with running(relay.run):
            await until(lambda: relay.published == 2)
    finally:
        sa_event.remove(db.engine.sync_engine, "before_cursor_execute", statement)
        sa_event.remove(db.engine.sync_engine, "commit", commit)
    assert steps == [
        *("SELECT", "COMMIT"),  # the first read finds the first event
        *("INSERT", "COMMIT"),  # the late one commits while it is being published
        *("UPDATE", "SELECT", "COMMIT"),  # the first marked, the late one read: one transaction
        *("UPDATE", "COMMIT"),  # the late one marked; nothing else notified
        *("SELECT", "COMMIT"),  # the final flush at stop
    ]
