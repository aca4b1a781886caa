"""Transactional outbox: record events with the state change, publish them after commit.

`record_event` inserts the event in the caller's transaction, so the event exists
if and only if the change does. `OutboxRelay` then publishes unsent rows to
JetStream in order, with `Nats-Msg-Id = event_id` so that a row published twice
(a crash between publish and marking it sent) is dropped by the stream's dedupe
window, and marks them sent. While NATS is down it backs off and retries; the
rows wait safely in the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import random
import zlib
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from nats.js import JetStreamContext
from sqlalchemy import Table, any_, bindparam, func, insert, select, text, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.sql.elements import BindParameter, ColumnElement

from contracts.core import EventEnvelope
from kit import prepared, tracing
from kit.db import Database
from kit.logging import CORRELATION_HEADER, get_logger
from kit.messaging import MessagingTables
from kit.outbox_statements import (
    EachInATransaction,
    LeadershipLost,
    OnTheLock,
    OutboxStatements,
)

log = get_logger(__name__)

_RECORDED = "ecohost_outbox_recorded"
"""The key in a session's `info` that says its transaction recorded events."""


def recorded_events(session: AsyncSession) -> bool:
    """Whether `session`'s transaction added rows to the outbox: once it commits, the
    relay has work. A consumer wakes the relay only then; an event applied without
    recording any (most are) used to cost the service a relay cycle that found nothing:
    three PostgreSQL round trips per consumed batch (docs/BENCHMARKS.md §17, eighth
    round)."""
    return bool(session.info.get(_RECORDED))


async def record_event(
    session: AsyncSession, tables: MessagingTables, event: EventEnvelope
) -> None:
    """Add `event` to the outbox inside the caller's transaction."""
    session.info[_RECORDED] = True
    trace_context: dict[str, str] = {}
    tracing.inject(trace_context)
    # On the driver's cursor (`kit.prepared`): every command that records an event pays
    # this INSERT, and SQLAlchemy's execution path was most of its cost
    # (docs/BENCHMARKS.md §17, ninth round).
    await prepared.execute(
        session,
        (
            _outbox_insert(tables.outbox),
            {
                "event_id": event.event_id,
                "subject": event.subject,
                "payload": event.model_dump_json(),
                "correlation_id": event.correlation_id,
                "created_at": datetime.now(UTC),
                "attempts": 0,
                "trace_context": json.dumps(trace_context) if trace_context else None,
            },
        ),
    )


@functools.cache
def _outbox_insert(outbox: Table) -> prepared.Prepared:
    """The outbox's INSERT, built once per table. `inline()`: nothing is read back (no
    RETURNING of the sequence, which PostgreSQL would otherwise send)."""
    return prepared.Prepared(insert(outbox).inline())


async def record_events(
    session: AsyncSession, tables: MessagingTables, events: Sequence[EventEnvelope]
) -> None:
    """Add many events to the outbox in one statement (a bulk import's thousands),
    inside the caller's transaction, in the order given."""
    if not events:
        return
    session.info[_RECORDED] = True
    trace_context: dict[str, str] = {}
    tracing.inject(trace_context)
    now, context = datetime.now(UTC), json.dumps(trace_context) if trace_context else None
    await session.execute(
        insert(tables.outbox),
        [
            {
                "event_id": event.event_id,
                "subject": event.subject,
                "payload": event.model_dump_json(),
                "correlation_id": event.correlation_id,
                "created_at": now,
                "attempts": 0,
                "trace_context": context,
            }
            for event in events
        ],
    )


class OutboxRelay:
    """Publishes a service's outbox to JetStream, one batch at a time, in commit order.

    On PostgreSQL several replicas may run; a session-level advisory lock makes one
    of them the publisher (order preserved, no double work), which publishes through
    the lock's own connection, so that when that connection drops it stops, and
    another takes over. SQLite is single-process by nature.
    """

    def __init__(
        self,
        db: Database,
        tables: MessagingTables,
        js: JetStreamContext,
        *,
        name: str,
        batch_size: int = 100,
        poll_interval: float = 1.0,
        publish_timeout: float = 5.0,
        max_backoff: float = 15.0,
    ) -> None:
        self._db = db
        self._outbox = o = tables.outbox
        self._js = js
        self._name = name
        self._batch_size = batch_size
        self._poll_interval = poll_interval
        self._publish_timeout = publish_timeout
        self._max_backoff = max_backoff
        self._wake = asyncio.Event()
        self._failures = 0
        self.published = 0
        self.leading = False
        """Whether this replica holds the outbox's lock now (PostgreSQL)."""
        # Built once, not per cycle: a statement built anew is a cache key computed anew
        # each time before its compiled form is found.
        self._unsent = (
            select(
                o.c.seq,
                o.c.event_id,
                o.c.subject,
                o.c.payload,
                o.c.correlation_id,
                o.c.trace_context,
            )
            .where(o.c.sent_at.is_(None))
            .order_by(o.c.seq)
            .limit(batch_size)
        )
        now = bindparam("now", type_=o.c.sent_at.type)
        self._mark_sent = update(o).where(_any_of_seqs(o, db)).values(sent_at=now)
        self._mark_failed = (
            update(o)
            .where(_any_of_seqs(o, db))
            .values(
                attempts=o.c.attempts + 1, last_error=bindparam("error", type_=o.c.last_error.type)
            )
        )

    def notify(self) -> None:
        """Tell the relay that a transaction with events just committed."""
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Publish until `stop` is set, then flush what is left (best effort)."""
        # `stop` ends an idle wait as a notify does (`_idle`): one waiter for the relay's
        # life instead of one per cycle.
        stopping = asyncio.create_task(_set_when(stop, self._wake))
        try:
            if self._db.engine.dialect.name == "postgresql":
                await self._run_as_leader(stop)
            else:
                pooled = EachInATransaction(self._db.engine)
                await self._loop(stop, pooled)
                await self._final_flush(pooled)
        finally:
            stopping.cancel()

    async def _run_as_leader(self, stop: asyncio.Event) -> None:
        """Compete for the advisory lock; while holding it, publish with the lock's own
        connection, and flush on it when stopping. A replica that is not the leader
        publishes nothing, not even when it stops: the rows are the leader's to send."""
        key = zlib.crc32(f"ecohost-outbox-{self._name}".encode())
        while not stop.is_set():
            try:
                async with self._db.engine.connect() as conn:
                    # Autocommit: the lock's statement, and then each cycle's read and
                    # mark, are one round trip each (no BEGIN, no COMMIT), and between
                    # cycles the connection is idle, not idle in a transaction.
                    await conn.execution_options(isolation_level="AUTOCOMMIT")
                    if await self._try_lock(conn, key):
                        try:
                            await self._lead(stop, conn)
                        finally:
                            # The lock lives as long as the connection: closed, not
                            # handed back to the pool still holding it.
                            await conn.invalidate()
                        if stop.is_set():
                            return
            except Exception as exc:
                log.warning("outbox.leader_check_failed", relay=self._name, error=str(exc))
            # After a lost leadership too: the replica whose connection dropped competes
            # again at the others' pace, not ahead of them.
            await _wait(stop, self._poll_interval * 5)

    async def _lead(self, stop: asyncio.Event, conn: AsyncConnection) -> None:
        """Publish on the connection that holds the lock until `stop`, or until that
        connection fails: then the lock may be gone with it (the server ended the
        session, the network cut it) and another replica may be publishing already, so
        this one stops at once. Publishing through other connections, as the relay did,
        kept an old leader sending beside the new one."""
        log.info("outbox.leader", relay=self._name)
        self.leading = True
        on_the_lock = OnTheLock(conn)
        try:
            await self._loop(stop, on_the_lock)
            await self._final_flush(on_the_lock)
        except LeadershipLost as lost:
            log.warning("outbox.leadership_lost", relay=self._name, error=repr(lost.__cause__))
        finally:
            self.leading = False

    @staticmethod
    async def _try_lock(conn: AsyncConnection, key: int) -> bool:
        result = await conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key})
        return bool(result.scalar())

    async def _final_flush(self, outbox: OutboxStatements) -> None:
        try:
            await asyncio.wait_for(self._drain(outbox), timeout=self._publish_timeout)
        except Exception as exc:  # a clean stop must not fail because NATS is gone
            log.warning("outbox.final_flush_failed", relay=self._name, error=str(exc))

    async def _loop(self, stop: asyncio.Event, outbox: OutboxStatements) -> None:
        while not stop.is_set():
            # Cleared before the read, so a commit that lands after the read (and notifies)
            # brings another cycle at once, and one that landed before it is in this one.
            # A cycle that publishes is then not followed by a read that finds nothing:
            # at one client that was a third transaction per mutation (docs/BENCHMARKS.md
            # §17, third round).
            self._wake.clear()
            try:
                await self._drain(outbox)
                self._failures = 0
                if self._wake.is_set():
                    # Commits landed during the cycle: read again at once. A wait here to
                    # gather more (100 ms in the ninth round's pg-ninth) held this
                    # service's events back while another's went out, so the archive
                    # traced an upload's `archive.action` before the `engagement.created`
                    # it followed; the consumers' own linger gathers their batches
                    # (docs/BENCHMARKS.md §17, "The whole system after the ninth round").
                    continue
            except LeadershipLost:
                raise
            except Exception as exc:
                self._failures += 1
                delay = min(self._max_backoff, 0.2 * 2**self._failures) * random.uniform(0.5, 1)
                log.warning(
                    "outbox.publish_failed",
                    relay=self._name,
                    error=str(exc) or type(exc).__name__,
                    retry_in=round(delay, 2),
                    failures=self._failures,
                )
                await _wait(stop, delay)
                continue
            await self._idle()

    async def _idle(self) -> None:
        """Until a commit notifies, `stop` is set or the poll interval passes. A timer
        that sets the wake, where `_wait` made two tasks and an `asyncio.wait` for every
        cycle (at one client, a cycle per mutation)."""
        timer = asyncio.get_running_loop().call_later(self._poll_interval, self._wake.set)
        try:
            await self._wake.wait()
        finally:
            timer.cancel()

    async def drain(self) -> int:
        """Publish every unsent row now, outside the relay's loop (each statement in a
        transaction of its own); returns how many were published."""
        return await self._drain(EachInATransaction(self._db.engine))

    async def _drain(self, outbox: OutboxStatements) -> int:
        total = 0
        while True:
            sent = await self._publish_batch(outbox)
            total += sent
            if sent < self._batch_size:
                return total

    async def _publish_batch(self, outbox: OutboxStatements) -> int:
        rows = await outbox.rows(self._unsent)
        if not rows:
            return 0
        # Publish outside any transaction: a slow or absent NATS must not hold the
        # database. Async publishes are pipelined, then awaited together.
        futures: list[asyncio.Future[Any]] = []
        try:
            for row in rows:
                headers = {
                    **(json.loads(row.trace_context) if row.trace_context else {}),
                    "Nats-Msg-Id": str(row.event_id),
                    CORRELATION_HEADER: row.correlation_id,
                }
                futures.append(
                    await self._js.publish_async(
                        row.subject, row.payload.encode(), headers=headers, wait_stall=5.0
                    )
                )
            results = await asyncio.wait_for(
                asyncio.gather(*futures, return_exceptions=True), timeout=self._publish_timeout
            )
        except Exception as exc:
            for f in futures:
                f.cancel()
            await self._note_failure(outbox, [r.seq for r in rows], repr(exc))
            raise
        # Mark the longest acknowledged prefix: order is kept by never marking a
        # row sent while an earlier one still waits.
        acked: list[int] = []
        for row, result in zip(rows, results, strict=True):
            if isinstance(result, BaseException):
                await self._note_failure(outbox, [row.seq], repr(result))
                break
            acked.append(row.seq)
        if acked:
            await outbox.run(self._mark_sent, {"seqs": acked, "now": datetime.now(UTC)})
            self.published += len(acked)
        if len(acked) < len(rows):
            raise RuntimeError(f"{len(rows) - len(acked)} events not acknowledged by JetStream")
        return len(acked)

    async def _note_failure(self, outbox: OutboxStatements, seqs: list[int], error: str) -> None:
        try:
            await outbox.run(self._mark_failed, {"seqs": seqs, "error": error[:2000]})
        except Exception as exc:  # the database may be what is failing
            log.warning("outbox.note_failure_failed", relay=self._name, error=str(exc))

    async def backlog(self) -> int:
        async with self._db.engine.begin() as conn:
            o = self._outbox
            result = await conn.execute(
                select(func.count()).select_from(o).where(o.c.sent_at.is_(None))
            )
            return int(result.scalar_one())


def _any_of_seqs(outbox: Table, db: Database) -> ColumnElement[bool]:
    """The rows whose `seq` is in the list bound as `seqs`. On PostgreSQL as one array
    (`seq = ANY($1)`): one statement text whatever the batch's size, prepared once on
    the leader's connection, where `IN ($1, $2, …)` was a new text, and a prepare's round
    trip, for each size. SQLite has no arrays: `IN`, expanded."""
    seq = outbox.c.seq
    if db.engine.dialect.name == "postgresql":
        return seq == any_(bindparam("seqs", type_=postgresql.ARRAY(seq.type)))
    seqs: BindParameter[list[int]] = bindparam("seqs", expanding=True)
    return seq.in_(seqs)


async def _set_when(stop: asyncio.Event, wake: asyncio.Event) -> None:
    await stop.wait()
    wake.set()


async def _wait(stop: asyncio.Event, seconds: float) -> None:
    """Sleep up to `seconds`, returning early when `stop` is set (a backoff, a leader
    check: not the cycle's idle wait)."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
