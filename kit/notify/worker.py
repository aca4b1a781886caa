"""The delivery worker: claims due notifications under a lease and sends them.

Any number of workers (replicas, or restarts) may run against one database; each row
is delivered once because a row is only sent by the worker whose lease it holds,
and its state moves pending → sending → sent in committed steps:

1. claim (one transaction): due rows become `sending`, owned by this worker until
   `lease_until`, attempt + 1. PostgreSQL replicas skip each other's locked rows.
2. send, outside any transaction (a slow server never holds the database).
3. record (one transaction, shared by the attempts that finished meanwhile): `sent`
   (or `pending` with a backoff, or `failed`) and a delivery-log line, only if this
   worker still owns the row.

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
from dataclasses import dataclass, field
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
        finished: asyncio.Queue[_Attempt | None] = asyncio.Queue()
        recorder = asyncio.create_task(self._record(finished))

        async def one(item: ScheduledNotification, taken_over: bool) -> None:
            # The slot is held until the attempt is recorded: at most `concurrency`
            # messages of this worker are ever sent but not yet recorded as sent.
            async with slots:
                attempt = await self._attempt(item, taken_over)
                finished.put_nowait(attempt)
                await attempt.recorded

        try:
            results = await asyncio.gather(
                *(one(item, over) for item, over in claimed), return_exceptions=True
            )
        finally:
            finished.put_nowait(None)
            await recorder
        for result in results:
            if isinstance(result, BaseException):
                raise result  # the rows stay leased: taken over once the lease runs out
        return len(claimed)

    async def _attempt(self, item: ScheduledNotification, taken_over: bool) -> _Attempt:
        """Send one notification (unless its transport delivers inside the recording
        transaction) and say how it went."""
        attempt = _Attempt(item, taken_over, started=datetime.now(UTC))
        transport = self._transports.get(item.channel)
        if self._lease_ends_during_a_send(item, attempt.started):
            # A send must end within the lease, or another worker could take the row
            # over and send it too. Rows that waited too long for a slot go back.
            attempt.skipped = True
        elif transport is None:
            attempt.error, attempt.permanent = f"no transport for channel {item.channel}", True
        elif isinstance(transport, InTransactionTransport):
            attempt.in_transaction = transport
        else:
            try:
                await transport.send(item)
            except DeliveryError as exc:
                attempt.error, attempt.permanent = str(exc), exc.permanent
            except Exception as exc:  # a transport's bug or a network fault: retry
                attempt.error = f"{type(exc).__name__}: {exc}"
        attempt.finished = datetime.now(UTC)
        return attempt

    async def _record(self, finished: asyncio.Queue[_Attempt | None]) -> None:
        """Record attempts as they finish, all those finished meanwhile in one
        transaction (group commit): a sent message waits for at most one commit before
        its row says so, and a commit is shared by everything that finished during the
        previous one. A failed commit fails its attempts' futures; their rows stay
        leased and are taken over when the lease runs out."""
        done = False
        while not done:
            first = await finished.get()
            if first is None:
                return
            group = [first]
            while not finished.empty():
                more = finished.get_nowait()
                if more is None:
                    done = True
                    break
                group.append(more)
            try:
                async with self._db.transaction() as session:
                    for attempt in group:
                        await self._record_one(session, attempt)
            except Exception as exc:
                for attempt in group:
                    attempt.recorded.set_exception(exc)
                continue
            for attempt in group:
                attempt.recorded.set_result(None)
                self._report(attempt)

    def _lease_ends_during_a_send(self, item: ScheduledNotification, now: datetime) -> bool:
        s = self._settings
        longest = timedelta(seconds=max(s.smtp_timeout, s.webhook_timeout))
        return item.lease_until is None or now + longest >= item.lease_until

    async def _record_one(self, session: AsyncSession, a: _Attempt) -> None:
        s = self._settings
        item = a.item
        if a.skipped:
            if a.taken_over:
                await self._log_interrupted(session, item, a.started)
            await repository.release(session, item, worker=self.name)
            return
        next_attempt: datetime | None = None
        if a.error is None:
            status, a.outcome = Status.SENT, Outcome.SENT
        elif a.permanent or item.attempts >= s.max_attempts:
            status, a.outcome = Status.FAILED, Outcome.FAILED
        else:
            status, a.outcome = Status.PENDING, Outcome.RETRY
            delay = min(s.backoff_max, s.backoff_base * 2 ** (item.attempts - 1))
            next_attempt = a.finished + timedelta(seconds=delay)
        if a.taken_over:
            await self._log_interrupted(session, item, a.started)
        owned = await repository.finish(
            session,
            item,
            worker=self.name,
            status=status,
            error=a.error,
            next_attempt_at=next_attempt,
            now=a.finished,
        )
        if not owned:
            a.outcome = Outcome.LEASE_LOST
            if a.in_transaction is not None:
                return  # not delivered: the worker that owns it now will
        elif a.in_transaction is not None:
            await a.in_transaction.send_in(session, item)
        await repository.log_attempt(
            session,
            item,
            attempt=item.attempts,
            outcome=a.outcome,
            error=a.error,
            worker=self.name,
            started_at=a.started,
            finished_at=a.finished,
        )

    def _report(self, a: _Attempt) -> None:
        if a.skipped:
            return
        if a.outcome is Outcome.SENT:
            self.delivered += 1
        elif a.outcome is Outcome.LEASE_LOST:
            log.error("notify.lease_lost", worker=self.name, key=a.item.key)
        else:
            log.warning(
                "notify.delivery_failed",
                worker=self.name,
                key=a.item.key,
                channel=str(a.item.channel),
                attempt=a.item.attempts,
                outcome=str(a.outcome),
                error=a.error,
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


@dataclass
class _Attempt:
    item: ScheduledNotification
    taken_over: bool
    started: datetime
    finished: datetime = field(default_factory=lambda: datetime.now(UTC))
    error: str | None = None
    permanent: bool = False
    in_transaction: InTransactionTransport | None = None
    skipped: bool = False
    outcome: Outcome = Outcome.SENT
    recorded: asyncio.Future[None] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


__all__ = ["Channel", "DeliveryWorker"]
