"""The relay's cycle: one read of the outbox per cycle that publishes (no empty read after
it), and a commit that lands during a cycle goes out at once, not at the next poll."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from nats.aio.client import Client
from sqlalchemy import event as sa_event

from kit.bus import ensure_event_stream
from kit.db import Database
from kit.ids import new_id
from kit.outbox import OutboxRelay
from kit.outbox_statements import OutboxStatements
from tests.kit.messaging.plumbing import event, record, running, tables, until

_READ = re.compile(r"^\s*SELECT\b.*\bFROM\s+\S*outbox\b", re.IGNORECASE | re.DOTALL)
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

        async def _publish_batch(self, outbox: OutboxStatements) -> int:
            sent = await super()._publish_batch(outbox)
            if sent and not self.committed:
                # After this cycle read the outbox: its next read must come at once.
                self.committed = True
                await record(db, [late])
                self.notify()
            return sent

    relay = CommitDuringCycle(db, tables, js, name=f"t{kind}", poll_interval=POLL)
    await record(db, [event(kind, 1)])
    async with running(relay.run):
        await until(lambda: relay.published == 2)
    assert relay.committed
