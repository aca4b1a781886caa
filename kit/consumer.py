"""Durable, idempotent JetStream consumers.

Each event is applied in one database transaction that also records its id in the
inbox; a redelivered event finds its id there and is acknowledged without being
applied again. Failures are retried with a growing delay up to `max_deliver`
deliveries, then kept in `dead_letters` (with the error) and terminated, so one
poison event never blocks the stream and never disappears silently.

An event is redelivered without a nak only when its consumer stopped answering for
`ack_wait` (a crash, a hang, a cut connection): while a fetched batch is being
worked through, the consumer tells JetStream so (`in_progress`), however long the
batch takes on a loaded machine.
"""

from __future__ import annotations

import asyncio
import time
import traceback
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime

from nats.aio.msg import Msg
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from opentelemetry.trace import SpanKind
from pydantic import ValidationError
from sqlalchemy import insert

from contracts.core import EVENT_STREAM, EventEnvelope, EventParser
from kit import tracing
from kit.db import Database, database_unreachable
from kit.inbox import (
    BatchHandler,
    EventHandler,
    NotBatchable,
    apply_batch_once,
    apply_once,
    batch_traces,
    event_log_context,
)
from kit.logging import CORRELATION_HEADER, get_logger
from kit.messaging import MessagingTables

log = get_logger(__name__)

FETCH_TIMEOUT = 1.0
"""Seconds one fetch waits for the first event; then the loop checks `stop` again."""

MIN_TOP_UP = 0.001
"""A top-up fetch shorter than this is not asked for (nats-py takes 0.1 ms off a
fetch's timeout for its expiry; a shorter one would expire before it reached the server)."""

LINGER_GATE = 2.0
"""A consumer lingers when its previous events arrived at most this many linger windows
before the ones just fetched (processing time included)."""

RETRY_BASE = 0.25
"""Seconds before a failed event is delivered again; each further failure waits four
times longer (0.25, 1, 4, 16 s, then 30 s), up to `max_deliver` deliveries."""

RETRY_CAP = 30.0

ACK_TIMEOUT_CAP = 120.0
"""Longest wait before a delivery that was never answered is tried again."""

OUTAGE_PATIENCE = 600.0
"""Seconds a consumer holds an event while its database is unreachable before it
counts the attempt as a failed delivery."""

__all__ = ["BatchHandler", "EventConsumer", "EventHandler"]


class EventConsumer:
    def __init__(
        self,
        *,
        js: JetStreamContext,
        db: Database,
        tables: MessagingTables,
        durable: str,
        filter_subjects: list[str],
        handler: EventHandler,
        events: Sequence[type[EventEnvelope]] = (),
        max_deliver: int = 5,
        ack_wait: float = 5.0,
        batch: int = 100,
        after_commit: Callable[[], None] | None = None,
        batch_handler: BatchHandler | None = None,
        replicas: int | None = None,
        linger: float = 0.0,
    ) -> None:
        if not 0.0 <= linger < FETCH_TIMEOUT:
            raise ValueError(f"linger must be at least 0 and below {FETCH_TIMEOUT} s")
        if ack_wait <= 0:
            raise ValueError("ack_wait must be positive")
        self._js = js
        # None: as many as the stream (JetStream's default for a durable consumer).
        self._replicas = replicas
        self._db = db
        self._tables = tables
        self.durable = durable
        self._filter_subjects = filter_subjects
        self._handler = handler
        # Typed as the events this consumer declared; any other as the bare envelope.
        self._parse = EventParser(events)
        self._max_deliver = max_deliver
        self._ack_wait = ack_wait
        self._batch = batch
        self._after_commit = after_commit
        self._batch_handler = batch_handler
        # How long a batching consumer waits for more events once some arrived: at a
        # few per 10 ms, one transaction (with its fsync) for several events instead of
        # one each. Only with a batch handler; 0 turns it off.
        self._linger = linger if batch_handler is not None else 0.0
        self._last_arrival = -FETCH_TIMEOUT  # when the last fetch that brought events ended
        self.applied = 0
        self.duplicates = 0
        self.dead_lettered = 0
        self.redelivered = 0  # deliveries after the first (kit.metrics reads these counters)

    def consumer_config(self) -> ConsumerConfig:
        # After an unanswered delivery JetStream waits backoff[n] before the next one, and
        # it takes the first step as the ack wait whatever `ack_wait` says: so the first
        # step *is* the ack wait. A consumer that crashes on an event again and again is
        # then retried at a growing interval, not hammered.
        backoff = [
            min(max(self._ack_wait, ACK_TIMEOUT_CAP), self._ack_wait * 2**i)
            for i in range(self._max_deliver)
        ]
        return ConsumerConfig(
            durable_name=self.durable,
            name=self.durable,
            description=f"ecohost consumer {self.durable}",
            deliver_policy=DeliverPolicy.ALL,
            ack_policy=AckPolicy.EXPLICIT,
            ack_wait=self._ack_wait,
            max_deliver=self._max_deliver,
            backoff=backoff,
            filter_subjects=self._filter_subjects,
            max_ack_pending=1000,
            num_replicas=self._replicas,
        )

    async def declare(self) -> None:
        await self._js.add_consumer(EVENT_STREAM, config=self.consumer_config())

    async def run(self, stop: asyncio.Event) -> None:
        failures = 0
        sub: JetStreamContext.PullSubscription | None = None
        while not stop.is_set():
            try:
                if sub is None:
                    await self.declare()
                    sub = await self._js.pull_subscribe_bind(
                        durable=self.durable, stream=EVENT_STREAM
                    )
                try:
                    msgs = await sub.fetch(self._batch, timeout=FETCH_TIMEOUT)
                except (TimeoutError, NatsTimeoutError):
                    continue
                failures = 0
                with _KeptInProgress(msgs, self._ack_wait) as msgs:
                    if self._worth_lingering(len(msgs)) and not stop.is_set():
                        msgs.extend(await self._top_up(sub, len(msgs)))
                    self._last_arrival = time.monotonic()
                    await self._work_through(msgs, stop)
            except Exception as exc:
                failures += 1
                delay = min(10.0, 0.25 * 2**failures)
                log.warning(
                    "consumer.fetch_failed",
                    consumer=self.durable,
                    error=str(exc) or type(exc).__name__,
                    retry_in=delay,
                )
                if failures > 3:
                    sub = None  # re-declare and re-bind: the consumer may be gone
                await asyncio.sleep(delay)
        if sub is not None:
            await _quietly(sub.unsubscribe())

    async def _work_through(self, msgs: list[Msg], stop: asyncio.Event) -> None:
        if self._batch_handler is not None and len(msgs) > 1 and not stop.is_set():
            await self.process_batch(msgs, stop)
            return
        for msg in msgs:
            if stop.is_set():
                # Unprocessed messages would be redelivered after ack_wait; nak now
                # so another replica gets them without waiting.
                await _quietly(msg.nak())
                continue
            await self.process(msg)

    def _worth_lingering(self, fetched: int) -> bool:
        """Linger only while events come close together: when the previous ones arrived
        within LINGER_GATE windows of these. At a few per second (one client) a window
        catches nothing, and each empty top-up is a pull request and its expiry for
        nats-server and this process: measured, 2 ms of CPU more per event and consumer
        (docs/BENCHMARKS.md §17, third round)."""
        if not self._linger or fetched >= self._batch:
            return False
        return time.monotonic() - self._last_arrival <= LINGER_GATE * self._linger

    async def _top_up(self, sub: JetStreamContext.PullSubscription, fetched: int) -> list[Msg]:
        """Fetch what arrives within `linger` of the first fetch, up to the batch size.

        Each top-up returns as soon as one event is there (with any others already
        waiting), so events are taken as they come until the window closes; a fetch
        that finds nothing only ends the window. A failed top-up keeps what was
        fetched: those messages are delivered and must be applied or nak'ed."""
        deadline = time.monotonic() + self._linger
        msgs: list[Msg] = []
        while fetched + len(msgs) < self._batch:
            left = deadline - time.monotonic()
            if left < MIN_TOP_UP:
                break
            try:
                more = await sub.fetch(self._batch - fetched - len(msgs), timeout=left)
            except TimeoutError:  # nats-py's own timeouts derive from it
                break
            except Exception as exc:  # the next fetch meets it again, with its backoff
                log.debug("consumer.top_up_failed", consumer=self.durable, error=repr(exc))
                break
            msgs = msgs + more
        return msgs

    async def process_batch(self, msgs: list[Msg], stop: asyncio.Event | None = None) -> None:
        """Apply a fetched batch in one transaction through the batch handler, then
        acknowledge it. If anything in it fails, nothing of it is applied and each
        message goes through `process` on its own, with its retries and dead letter."""
        events: list[EventEnvelope] = []
        batched: list[Msg] = []
        single: list[Msg] = []
        for msg in msgs:
            try:
                events.append(self._parse(msg.data))
                batched.append(msg)
            except ValidationError:
                single.append(msg)  # dead-lettered by `process`
        try:
            fresh = await self._apply_batch(events, batched)
        except NotBatchable:
            single = msgs
        except Exception as exc:
            log.warning(
                "consumer.batch_failed", consumer=self.durable, error=repr(exc), size=len(msgs)
            )
            single = msgs
        else:
            self.redelivered += sum(1 for m in batched if m.metadata.num_delivered > 1)
            self.applied += len(fresh)
            self.duplicates += len(events) - len(fresh)
            if fresh and self._after_commit:
                self._after_commit()
            for msg in batched:
                await _quietly(msg.ack())
        for msg in single:
            if stop is not None and stop.is_set():
                # Stopping: leave the rest to another replica now, as `run` does.
                await _quietly(msg.nak())
                continue
            await self.process(msg)

    async def _apply_batch(
        self, events: list[EventEnvelope], msgs: list[Msg]
    ) -> list[EventEnvelope]:
        assert self._batch_handler is not None
        if not tracing.enabled():
            # No span, no trace context read from each message's headers: the no-op
            # span still costs a tracer lookup and a context attached and detached
            # (as kit.rpc, commit c1de81e).
            return await apply_batch_once(
                self._db, self._tables, self.durable, events, self._batch_handler
            )
        # One span for the batch, linked to the span that recorded each event; a batch
        # handler may open a span per event in that event's own trace (kit.inbox.applying).
        traces = {e.event_id: tracing.extract(m.headers) for e, m in zip(events, msgs, strict=True)}
        links = [tracing.link_to(t) for t in traces.values()]
        with (
            tracing.span(
                f"consume batch {self.durable}",
                kind=SpanKind.CONSUMER,
                links=[link for link in links if link is not None],
                attributes={
                    "messaging.consumer.group.name": self.durable,
                    "messaging.batch.message_count": len(msgs),
                },
            ),
            batch_traces(traces),
        ):
            return await apply_batch_once(
                self._db, self._tables, self.durable, events, self._batch_handler
            )

    async def process(self, msg: Msg) -> None:
        """Apply one message exactly once, then acknowledge it."""
        deliveries = msg.metadata.num_delivered
        if deliveries > 1:
            self.redelivered += 1
        if not tracing.enabled():
            await self._process(msg, deliveries)  # no span to make (see _apply_batch)
            return
        # A traceparent header continues the publisher's trace; without one, a new trace.
        with tracing.span(
            f"consume {msg.subject}",
            kind=SpanKind.CONSUMER,
            parent=tracing.extract(msg.headers),
            attributes={"messaging.consumer.group.name": self.durable},
        ):
            await self._process(msg, deliveries)

    async def _process(self, msg: Msg, deliveries: int) -> None:
        correlation = (msg.headers or {}).get(CORRELATION_HEADER, "")
        try:
            event = self._parse(msg.data)
        except ValidationError as exc:
            await self._dead_letter(msg, None, f"unparseable event: {exc}", deliveries)
            await _quietly(msg.term())
            return
        with event_log_context(correlation or event.correlation_id, event):
            try:
                applied = await self._apply_through_outage(event)
            except Exception as exc:
                if deliveries >= self._max_deliver:
                    log.error("consumer.dead_letter", consumer=self.durable, error=repr(exc))
                    await self._dead_letter(msg, event, traceback.format_exc(), deliveries)
                    await _quietly(msg.term())
                else:
                    log.warning(
                        "consumer.retry",
                        consumer=self.durable,
                        error=repr(exc),
                        deliveries=deliveries,
                    )
                    # JetStream's backoff is for deliveries never answered; a failure
                    # names its own delay. max_deliver bounds the attempts.
                    await _quietly(msg.nak(delay=retry_delay(deliveries)))
                return
            if applied:
                self.applied += 1
                if self._after_commit:
                    self._after_commit()
            else:
                self.duplicates += 1
            # If this ack is lost, the redelivery finds the inbox row: harmless.
            await _quietly(msg.ack())

    async def _apply_through_outage(self, event: EventEnvelope) -> bool:
        """Apply; while the database is unreachable, keep the message and try again.

        Naked, each failure would spend one of the event's deliveries: a database restart
        longer than their delays (0.25 + 1 + 4 + 16 s) would send it to the dead letters
        (or, with the database down, nowhere: the server stops after `max_deliver`). Held
        here, kept in progress like every fetched event (`_KeptInProgress`), an outage
        costs no delivery. Bounded by OUTAGE_PATIENCE; after that the event counts as
        failed."""
        waited = 0.0
        delay = 0.25
        while True:
            try:
                return await self._apply(event)
            except Exception as exc:
                if not database_unreachable(exc) or waited >= OUTAGE_PATIENCE:
                    raise
                log.warning(
                    "consumer.database_unreachable",
                    consumer=self.durable,
                    error=str(exc).splitlines()[0] if str(exc) else type(exc).__name__,
                    waited=round(waited, 2),
                )
                await asyncio.sleep(delay)
                waited += delay
                delay = min(2 * delay, 5.0)

    async def _apply(self, event: EventEnvelope) -> bool:
        """Apply once (kit.inbox); False when the event had already been applied."""
        return await apply_once(self._db, self._tables, self.durable, event, self._handler)

    async def _dead_letter(
        self, msg: Msg, event: EventEnvelope | None, error: str, deliveries: int
    ) -> None:
        self.dead_lettered += 1
        async with self._db.transaction() as session:
            await session.execute(
                insert(self._tables.dead_letters).values(
                    consumer=self.durable,
                    event_id=event.event_id if event else None,
                    subject=msg.subject,
                    payload=msg.data.decode(errors="replace"),
                    error=error[:10000],
                    deliveries=deliveries,
                    failed_at=datetime.now(UTC),
                )
            )


def retry_delay(deliveries: int) -> float:
    """Seconds before the next delivery of an event that failed on delivery `deliveries`."""
    return min(RETRY_CAP, RETRY_BASE * 4.0 ** (deliveries - 1))


class _KeptInProgress:
    """Keep fetched events from timing out while they wait their turn.

    A fetch hands over up to a batch of events at once; worked through one by one on a
    loaded machine, the last ones can wait longer than `ack_wait`, and JetStream would
    deliver them again (to this consumer or another replica) though nothing failed:
    duplicates for the inbox to drop, and the work done twice. Every third of the ack
    wait, each event not yet answered is reported as in progress, so only a consumer
    that stopped running (crashed, hung, cut off) lets the ack wait run out. A timer,
    not a task per fetch: most fetches are done long before it fires. `msgs` is the
    caller's list, so events added to it later (a top-up) are kept too."""

    def __init__(self, msgs: list[Msg], ack_wait: float) -> None:
        self._msgs = msgs
        self._every = ack_wait / 3
        self._timer: asyncio.TimerHandle | None = None
        self._sending: asyncio.Task[None] | None = None

    def __enter__(self) -> list[Msg]:
        self._timer = asyncio.get_running_loop().call_later(self._every, self._due)
        return self._msgs

    def __exit__(self, *_: object) -> None:
        if self._timer is not None:
            self._timer.cancel()
        if self._sending is not None:
            self._sending.cancel()

    def _due(self) -> None:
        if self._sending is None or self._sending.done():
            self._sending = asyncio.create_task(self._report())
        self._timer = asyncio.get_running_loop().call_later(self._every, self._due)

    async def _report(self) -> None:
        for msg in list(self._msgs):
            if not msg.is_acked:
                await _quietly(msg.in_progress())


async def _quietly(aw: Awaitable[object]) -> None:
    """Ack/nak/term are best effort: a lost one only causes a harmless redelivery."""
    try:
        await aw
    except Exception as exc:
        log.debug("consumer.ack_failed", error=str(exc))
