"""Applying an event exactly once: the handler's writes and the inbox row commit
together, so a second delivery (or a replay) finds the row and changes nothing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from itertools import groupby
from types import MappingProxyType
from typing import TypeVar, cast
from uuid import UUID

import structlog
from opentelemetry.context import Context
from opentelemetry.trace import SpanKind
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.core import EventEnvelope
from kit import tracing
from kit.db import Database
from kit.inbox_statements import inbox_statements
from kit.messaging import MessagingTables
from kit.outbox import recorded_events

EventHandler = Callable[[AsyncSession, EventEnvelope], Awaitable[None]]
# Applies several events, in order, in the caller's transaction (e.g. the archive's
# ledger appends a fetched batch with one tree update).
BatchHandler = Callable[[AsyncSession, Sequence[EventEnvelope]], Awaitable[None]]


class NotBatchable(Exception):
    """Raised by a batch handler before it writes anything, for a batch it must not
    apply in one transaction (an event with effects outside the database): the consumer
    then applies each event on its own, without reporting a failure."""


async def apply_once(
    db: Database,
    tables: MessagingTables,
    consumer: str,
    event: EventEnvelope,
    handler: EventHandler,
    *,
    also: Callable[[AsyncSession], Awaitable[object]] | None = None,
    events_recorded: Callable[[], None] | None = None,
) -> bool:
    """Run `handler` and record the inbox row in one transaction, with `also` (more
    writes that must commit with them, such as removing a dead letter), then call
    `events_recorded` if that transaction recorded events in the outbox.

    Returns False when the event had already been applied (a redelivery, or another
    replica winning the race on the inbox primary key); `also` still runs then.
    """
    statements = inbox_statements(tables.inbox, db.engine.dialect)
    row = {
        "consumer": consumer,
        "event_id": event.event_id,
        "event_type": event.type,
        "processed_at": datetime.now(UTC),
    }
    try:
        async with db.transaction() as session:
            applied = await statements.claim(session, row)
            if applied:
                await handler(session, event)
            if also:
                await also(session)
    except IntegrityError:
        # The handler's own writes may conflict because another replica applied the
        # event meanwhile (or, without ON CONFLICT, the inbox insert itself lost).
        async with db.transaction() as session:
            duplicate = await statements.seen(session, consumer, event.event_id)
            if duplicate and also:
                await also(session)
        if not duplicate:
            raise
        applied = False
    if events_recorded is not None and recorded_events(session):
        events_recorded()
    return applied


async def apply_batch_once(
    db: Database,
    tables: MessagingTables,
    consumer: str,
    events: Sequence[EventEnvelope],
    handler: BatchHandler,
    events_recorded: Callable[[], None] | None = None,
) -> list[EventEnvelope]:
    """Apply those of `events` not applied before, with their inbox rows, in one
    transaction; returns them (the others were duplicates), after calling
    `events_recorded` if the transaction recorded events in the outbox. Any failure
    rolls the whole batch back; the caller then applies the events one by one."""
    if not events:  # a fetch of nothing but unparseable messages
        return []
    statements = inbox_statements(tables.inbox, db.engine.dialect)
    now = datetime.now(UTC)
    rows = {  # the same event twice in one batch: one row
        e.event_id: {
            "consumer": consumer,
            "event_id": e.event_id,
            "event_type": e.type,
            "processed_at": now,
        }
        for e in events
    }
    async with db.transaction() as session:
        claimed = await statements.claim_many(session, list(rows.values()))
        fresh: list[EventEnvelope] = []
        for event in events:
            if event.event_id in claimed:
                claimed.discard(event.event_id)
                fresh.append(event)
        if fresh:
            await handler(session, fresh)
    if events_recorded is not None and recorded_events(session):
        events_recorded()
    return fresh


# The trace context each event of the batch being applied arrived with, by event id
# (set by the consumer around the batch).
_batch_traces: ContextVar[Mapping[UUID, Context]] = ContextVar(
    "batch_traces", default=MappingProxyType({})
)


@contextmanager
def batch_traces(traces: Mapping[UUID, Context]) -> Iterator[None]:
    token = _batch_traces.set(traces)
    try:
        yield
    finally:
        _batch_traces.reset(token)


@contextmanager
def applying(event: EventEnvelope) -> Iterator[None]:
    """One event of a batch as a delivery of its own would be: its correlation and
    event ids in the log lines, a span in the trace of the request that recorded it
    (so the events it records in turn carry that trace on)."""
    with event_log_context(event.correlation_id, event):
        if not tracing.enabled():
            # No span to make: the no-op one still costs a tracer lookup and a context
            # attached and detached per event (as kit.rpc, commit c1de81e).
            yield
            return
        with tracing.span(
            f"apply {event.type}",
            kind=SpanKind.CONSUMER,
            parent=_batch_traces.get().get(event.event_id),
        ):
            yield


@contextmanager
def event_log_context(correlation_id: str, event: EventEnvelope) -> Iterator[None]:
    """The event's ids in every log line within, as structlog's `bound_contextvars`
    binds them, then each key back to what it was. Reset by token: `bound_contextvars`
    copies the whole context to find the keys already bound, per event."""
    tokens = structlog.contextvars.bind_contextvars(
        correlation_id=correlation_id, event_id=str(event.event_id), event_type=event.type
    )
    try:
        yield
    finally:
        structlog.contextvars.reset_contextvars(**tokens)


def one_after_another(handler: EventHandler) -> BatchHandler:
    """A batch handler that applies each event with `handler`, in order, in the
    batch's transaction. Only for handlers whose every effect is in the database:
    a rolled-back batch must leave nothing behind."""

    async def apply_all(session: AsyncSession, events: Sequence[EventEnvelope]) -> None:
        for event in events:
            with applying(event):
                await handler(session, event)

    return apply_all


Event = TypeVar("Event", bound=EventEnvelope)


def runs_of(
    kind: type[Event],
    apply_run: Callable[[AsyncSession, Sequence[Event]], Awaitable[None]],
    handler: EventHandler,
) -> BatchHandler:
    """A batch handler that applies each run of consecutive `kind` events with one call
    of `apply_run` (one statement for all of them) and every other event with `handler`
    where it stands, so the batch's order holds: an event about an engagement still
    comes after that engagement's creation. Same rule as `one_after_another`: every
    effect in the database. A run is applied under the batch's log context and span,
    not each event's (`applying`): an `apply_run` that logs or records events of its
    own must bind what it needs itself."""
    each = one_after_another(handler)

    async def apply(session: AsyncSession, events: Sequence[EventEnvelope]) -> None:
        for of_kind, run in groupby(events, key=lambda e: isinstance(e, kind)):
            if of_kind:
                await apply_run(session, [cast(Event, e) for e in run])
            else:
                await each(session, list(run))

    return apply
