"""Durable, idempotent JetStream consumers.

Each event is applied in one database transaction that also records its id in the
inbox; a redelivered event finds its id there and is acknowledged without being
applied again. Failures are retried with a growing delay up to `max_deliver`
deliveries, then kept in `dead_letters` (with the error) and terminated, so one
poison event never blocks the stream and never disappears silently.

Events arrive over one long-lived pull request per consumer (`kit.pull`) and are
worked through in arrival order, a batch at a time. An event is redelivered without a
nak only when its consumer stopped answering for `ack_wait` (a crash, a hang, a cut
connection): while an event is held, in hand or waiting its turn, the consumer tells
JetStream so (`in_progress`), however long the batches take on a loaded machine.
"""

from __future__ import annotations

import asyncio
import time
import traceback
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime

from nats.aio.msg import Msg
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
from kit.pull import Pull, PullFailed

log = get_logger(__name__)

MAX_LINGER = 1.0
"""A linger is a wait of milliseconds for a batch to fill, not a poll interval."""

MAX_ACK_PENDING = 1000
"""Events JetStream delivers to a consumer (all its replicas) before any is answered."""

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
        if not 0.0 <= linger < MAX_LINGER:
            raise ValueError(f"linger must be at least 0 and below {MAX_LINGER} s")
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
        # The pull request asks for two batches: the next one is on its way while one
        # is worked through. Half of max_ack_pending at most, since a fresh request
        # overlaps the one about to expire (kit.pull).
        self._request = min(2 * batch, MAX_ACK_PENDING // 2)
        self._pull: Pull | None = None
        self._in_hand: list[Msg] = []  # the batch being worked through
        # Called after a transaction that recorded events commits (the relay's wake),
        # not after every applied one: most events record none.
        self._after_commit = after_commit
        self._batch_handler = batch_handler
        # How long a batching consumer waits for more events once some arrived: at a
        # few per 10 ms, one transaction (with its fsync) for several events instead of
        # one each. Only with a batch handler; 0 turns it off.
        self._linger = linger if batch_handler is not None else 0.0
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
            max_ack_pending=MAX_ACK_PENDING,
            num_replicas=self._replicas,
        )

    async def declare(self) -> None:
        await self._js.add_consumer(EVENT_STREAM, config=self.consumer_config())

    async def run(self, stop: asyncio.Event) -> None:
        failures = 0
        # `stop` ends a wait for events at once, not at the next heartbeat.
        stopping = asyncio.ensure_future(stop.wait())
        stopping.add_done_callback(self._wake)
        try:
            with _KeptInProgress(self._holding, self._ack_wait):
                while not stop.is_set():
                    try:
                        if self._pull is None:
                            await self.declare()
                            pull = Pull(self._js, EVENT_STREAM, self.durable, self._request)
                            self._pull = pull
                            await pull.open()
                        msgs = await self._pull.take(self._batch)
                        if not msgs:
                            continue
                        failures = 0
                        self._in_hand = msgs
                        if self._linger and len(msgs) < self._batch and not stop.is_set():
                            await self._gather(self._pull, msgs, stop)
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
                        if isinstance(exc, PullFailed) or failures > 3:
                            await self._let_go()  # re-declare and re-bind: it may be gone
                        await asyncio.sleep(delay)
                    finally:
                        self._in_hand = []
        finally:
            stopping.cancel()
            await self._let_go()

    def _wake(self, _: object) -> None:
        if self._pull is not None:
            self._pull.wake()

    def _holding(self) -> Iterator[Msg]:
        """The events this consumer holds unanswered: in hand, then waiting their turn."""
        yield from self._in_hand
        if self._pull is not None:
            yield from self._pull.held

    async def _let_go(self) -> None:
        """Close the pull; the events delivered and not worked go back (nak) at once, so
        another replica gets them without waiting out the ack wait."""
        pull, self._pull = self._pull, None
        if pull is None:
            return
        for msg in await pull.close():
            await _quietly(msg.nak())

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

    async def _gather(self, pull: Pull, msgs: list[Msg], stop: asyncio.Event) -> None:
        """Add to `msgs` what arrives within `linger` of the first, up to the batch size.

        After every first take, however long ago the previous events came: the relay
        publishes a batch at once, and its first event often arrives alone, the rest a
        few milliseconds later. A consumer that lingered only while events came close
        together (the gate this replaced) took that first event by itself at 32 clients,
        once the relay lingered between its cycles: a third of the batch it had, at
        several times the CPU per event (docs/BENCHMARKS.md §17, eighth and ninth
        rounds). The gate dated from fetches, when each empty top-up cost a pull request
        and its expiry; the pull request is now kept open, so a window costs a timer,
        and at one client it adds the window to an event's way through, nothing else.
        This only waits for deliveries, each taken as it comes until the window closes
        or the batch is full."""
        deadline = time.monotonic() + self._linger
        while len(msgs) < self._batch and not stop.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                break
            try:
                msgs.extend(await pull.take(self._batch - len(msgs), wait=left))
            except Exception as exc:  # the next take meets it again, with its backoff
                # What is in hand is delivered: it must still be applied or given back.
                log.debug("consumer.gather_failed", consumer=self.durable, error=repr(exc))
                break

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
        batch_handler = self._batch_handler

        def apply() -> Awaitable[list[EventEnvelope]]:
            return apply_batch_once(
                self._db,
                self._tables,
                self.durable,
                events,
                batch_handler,
                events_recorded=self._after_commit,
            )

        if not tracing.enabled():
            # No span, no trace context read from each message's headers: the no-op
            # span still costs a tracer lookup and a context attached and detached
            # (as kit.rpc, commit c1de81e).
            return await apply()
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
            return await apply()

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
        return await apply_once(
            self._db,
            self._tables,
            self.durable,
            event,
            self._handler,
            events_recorded=self._after_commit,
        )

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
    """Keep held events from timing out while they wait their turn.

    The pull delivers up to two batches ahead; worked through one by one on a loaded
    machine, the last ones can wait longer than `ack_wait`, and JetStream would deliver
    them again (to this consumer or another replica) though nothing failed: duplicates
    for the inbox to drop, and the work done twice. Every third of the ack wait, each
    event held since the previous tick and not yet answered is reported as in progress
    (first between one and two thirds of the ack wait after it arrived), so only a
    consumer that stopped running (crashed, hung, cut off) lets the ack wait run out.
    An event answered within a tick, as nearly all are, costs nothing here. One timer
    for the consumer's life, not a task per batch."""

    def __init__(self, held: Callable[[], Iterable[Msg]], ack_wait: float) -> None:
        self._held = held
        self._every = ack_wait / 3
        self._seen: set[int] = set()  # id() of each event held at the previous tick
        self._timer: asyncio.TimerHandle | None = None
        self._sending: asyncio.Task[None] | None = None

    def __enter__(self) -> None:
        self._timer = asyncio.get_running_loop().call_later(self._every, self._due)

    def __exit__(self, *_: object) -> None:
        if self._timer is not None:
            self._timer.cancel()
        if self._sending is not None:
            self._sending.cancel()

    def _due(self) -> None:
        held = {id(m): m for m in self._held() if not m.is_acked}
        waiting = [m for key, m in held.items() if key in self._seen]
        self._seen = set(held)
        if waiting and (self._sending is None or self._sending.done()):
            self._sending = asyncio.create_task(self._report(waiting))
        self._timer = asyncio.get_running_loop().call_later(self._every, self._due)

    async def _report(self, msgs: list[Msg]) -> None:
        for msg in msgs:
            if not msg.is_acked:
                await _quietly(msg.in_progress())


async def _quietly(aw: Awaitable[object]) -> None:
    """Ack/nak/term are best effort: a lost one only causes a harmless redelivery."""
    try:
        await aw
    except Exception as exc:
        log.debug("consumer.ack_failed", error=str(exc))
