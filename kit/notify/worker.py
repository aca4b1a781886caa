"""The delivery worker: claims due notifications under a lease and sends them.

Any number of workers (replicas, or restarts) may run against one database; each row
is delivered once because a row is only sent by the worker whose lease it holds,
and its state moves pending → sending → sent in committed steps:

1. claim (one transaction): due rows become `sending`, owned by this worker until
   `lease_until`, attempt + 1. PostgreSQL replicas skip each other's locked rows.
2. send, outside any transaction (a slow server never holds the database).
3. finish (one transaction): `sent` (or `pending` with a backoff, or `failed`) and a
   delivery-log line, only if this worker still owns the row.

A worker killed between 1 and 3 leaves the row `sending`; when its lease has run out
another worker takes it over, logs the lost attempt as `interrupted` and sends again.
In-app delivery happens inside step 3's transaction, so it is exactly once outright.
See docs/notifications.md for what that means for email and webhooks.
"""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from kit.db import Database
from kit.ids import new_id
from kit.logging import get_logger
from kit.notify import repository
from kit.notify.domain import Channel, Outcome, Status
from kit.notify.repository import ScheduledNotification
from kit.notify.settings import NotifySettings
from kit.notify.transports import DeliveryError, InTransactionTransport, Transport

log = get_logger(__name__)


class DeliveryWorker:
    def __init__(
        self,
        db: Database,
        transports: Iterable[Transport | InTransactionTransport],
        settings: NotifySettings | None = None,
        *,
        name: str | None = None,
    ) -> None:
        self._db = db
        self._settings = settings or NotifySettings()
        self._transports = {t.channel: t for t in transports}
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{new_id().hex[-8:]}"
        self._wake = asyncio.Event()
        self.delivered = 0

    def notify(self) -> None:
        """Tell the worker that notifications were just scheduled."""
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until `stop` is set."""
        while not stop.is_set():
            try:
                handled = await self.run_once()
            except Exception as exc:  # the database is away: try again later
                log.warning("notify.worker.scan_failed", worker=self.name, error=repr(exc))
                handled = 0
            if handled:
                continue
            self._wake.clear()
            waits = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self._wake.wait())]
            try:
                await asyncio.wait(
                    waits, timeout=self._settings.poll_interval, return_when="FIRST_COMPLETED"
                )
            finally:
                for w in waits:
                    w.cancel()

    async def drain(self) -> int:
        """Deliver every row due now (retries that come due later excepted)."""
        total = 0
        while handled := await self.run_once():
            total += handled
        return total

    async def run_once(self) -> int:
        """Claim one batch and deliver it; returns how many rows were handled."""
        now = datetime.now(UTC)
        async with self._db.transaction() as session:
            claimed = await repository.claim(
                session,
                worker=self.name,
                now=now,
                lease_until=now + timedelta(seconds=self._settings.lease_seconds),
                limit=self._settings.batch_size,
            )
        if not claimed:
            return 0
        slots = asyncio.Semaphore(self._settings.concurrency)

        async def one(item: ScheduledNotification, taken_over: bool) -> None:
            async with slots:
                await self._deliver(item, taken_over)

        await asyncio.gather(*(one(item, over) for item, over in claimed))
        return len(claimed)

    async def _deliver(self, item: ScheduledNotification, taken_over: bool) -> None:
        started = datetime.now(UTC)
        transport = self._transports.get(item.channel)
        if isinstance(transport, InTransactionTransport):
            await self._deliver_in_transaction(item, taken_over, transport, started)
            return
        error: str | None = None
        permanent = False
        if transport is None:
            error, permanent = f"no transport for channel {item.channel}", True
        else:
            try:
                await transport.send(item)
            except DeliveryError as exc:
                error, permanent = str(exc), exc.permanent
            except Exception as exc:  # a transport's bug or a network fault: retry
                error = f"{type(exc).__name__}: {exc}"
        await self._finish(item, taken_over, started, error, permanent)

    async def _deliver_in_transaction(
        self,
        item: ScheduledNotification,
        taken_over: bool,
        transport: InTransactionTransport,
        started: datetime,
    ) -> None:
        async with self._db.transaction() as session:
            finished = datetime.now(UTC)
            if taken_over:
                await self._log_interrupted(session, item, started)
            if not await repository.finish(
                session,
                item,
                worker=self.name,
                status=Status.SENT,
                error=None,
                next_attempt_at=None,
                now=finished,
            ):
                return  # another worker owns it now; it will deliver it
            await transport.send_in(session, item)
            await repository.log_attempt(
                session,
                item,
                attempt=item.attempts,
                outcome=Outcome.SENT,
                error=None,
                worker=self.name,
                started_at=started,
                finished_at=finished,
            )
        self.delivered += 1

    async def _finish(
        self,
        item: ScheduledNotification,
        taken_over: bool,
        started: datetime,
        error: str | None,
        permanent: bool,
    ) -> None:
        s = self._settings
        finished = datetime.now(UTC)
        next_attempt: datetime | None = None
        if error is None:
            status, outcome = Status.SENT, Outcome.SENT
        elif permanent or item.attempts >= s.max_attempts:
            status, outcome = Status.FAILED, Outcome.FAILED
        else:
            status, outcome = Status.PENDING, Outcome.RETRY
            delay = min(s.backoff_max, s.backoff_base * 2 ** (item.attempts - 1))
            next_attempt = finished + timedelta(seconds=delay)
        async with self._db.transaction() as session:
            if taken_over:
                await self._log_interrupted(session, item, started)
            owned = await repository.finish(
                session,
                item,
                worker=self.name,
                status=status,
                error=error,
                next_attempt_at=next_attempt,
                now=finished,
            )
            if not owned:
                outcome = Outcome.LEASE_LOST
            await repository.log_attempt(
                session,
                item,
                attempt=item.attempts,
                outcome=outcome,
                error=error,
                worker=self.name,
                started_at=started,
                finished_at=finished,
            )
        if outcome is Outcome.SENT:
            self.delivered += 1
        elif outcome is Outcome.LEASE_LOST:
            log.error("notify.lease_lost", worker=self.name, key=item.key)
        else:
            log.warning(
                "notify.delivery_failed",
                worker=self.name,
                key=item.key,
                channel=str(item.channel),
                attempt=item.attempts,
                outcome=str(outcome),
                error=error,
            )

    async def _log_interrupted(
        self, session: AsyncSession, item: ScheduledNotification, at: datetime
    ) -> None:
        await repository.log_attempt(
            session,
            item,
            attempt=item.attempts - 1,
            outcome=Outcome.INTERRUPTED,
            error="its worker stopped before finishing (lease expired)",
            worker=self.name,
            started_at=at,
            finished_at=at,
        )


__all__ = ["Channel", "DeliveryWorker"]
