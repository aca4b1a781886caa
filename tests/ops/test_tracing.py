"""One trace from the caller through a NATS request (W3C traceparent header) into the
service's handler and its SQL, and on through the outbox into the consumers of the
events it recorded; the trace id in the log lines; nothing when off."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import structlog
from nats.aio.client import Client
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from sqlalchemy import MetaData, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.core import Contract, EventEnvelope, Rpc
from kit import tracing
from kit.bus import ensure_event_stream
from kit.consumer import EventConsumer
from kit.db import Database
from kit.ids import new_id
from kit.inbox import one_after_another
from kit.messaging import MessagingTables, messaging_tables
from kit.outbox import OutboxRelay, record_event
from kit.rpc import CallContext, RpcClient, RpcServer
from tests.kit.messaging.plumbing import consumer_of


class Ask(Contract):
    text: str


class Answer(Contract):
    text: str


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracing.use_provider(provider)
    yield exporter
    tracing.use_provider(None)
    provider.shutdown()


async def test_a_request_continues_the_callers_trace_down_to_sql(
    nc: Client, tmp_path: Path, spans: InMemorySpanExporter
):
    db = Database(f"sqlite+aiosqlite:///{tmp_path}/t.db")
    tracing.instrument_engine(db.engine, system="sqlite")
    service = f"traced{new_id().hex[:8]}"
    rpc = Rpc(service, "ask", Ask, Answer)
    seen: dict[str, str] = {}

    async def handle(req: Ask, ctx: CallContext) -> Answer:
        async with db.transaction() as session:
            await session.execute(text("SELECT 1"))
        seen.update(tracing.add_trace_ids(None, "info", {}))
        return Answer(text=req.text)

    server = RpcServer(nc, service=service, version="1.0.0", description="test")
    server.add(rpc, handle)
    await server.start()
    try:
        with tracing.span("graphql test", kind=SpanKind.SERVER) as root:
            await RpcClient(nc).call(rpc, Ask(text="hi"), CallContext("a", "t", "c"))
    finally:
        await server.stop()
        await db.dispose()

    finished: list[ReadableSpan] = list(spans.get_finished_spans())
    trace_id = root.get_span_context().trace_id
    assert {s.context.trace_id for s in finished if s.context} == {trace_id}
    (client,) = [s for s in finished if s.kind == SpanKind.CLIENT and s.name == rpc.subject]
    # The service's span is a child of the caller's, across the NATS hop.
    server_spans = [s for s in finished if s.kind == SpanKind.SERVER and s.name == rpc.subject]
    assert [s.parent.span_id for s in server_spans if s.parent] == [client.context.span_id]
    sql = [s for s in finished if s.name == "db SELECT"]
    assert sql
    assert sql[0].parent is not None
    assert sql[0].parent.span_id == server_spans[0].context.span_id
    assert seen["trace_id"] == f"{trace_id:032x}"  # what the log lines carry


def test_off_by_default_no_header_and_no_ids():
    headers: dict[str, str] = {}
    with tracing.span("anything"):
        tracing.inject(headers)
        assert tracing.add_trace_ids(None, "info", {}) == {}
    assert headers == {}
    assert tracing.configure_tracing("test", environ={}) is False


async def messaging_db(tmp_path: Path) -> tuple[Database, MessagingTables]:
    metadata = MetaData()
    tables = messaging_tables(metadata)
    db = Database(f"sqlite+aiosqlite:///{tmp_path}/events.db")
    async with db.engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    return db, tables


def an_event(kind: str, correlation_id: str) -> EventEnvelope:
    return EventEnvelope(
        event_id=new_id(),
        type=f"test.{kind}.v1",
        occurred_at=datetime.now(UTC),
        actor="tester",
        tenant="agency:1",
        engagement_id=None,
        correlation_id=correlation_id,
        data={},
    )


async def consume_until(consumer: EventConsumer, done: Callable[[], bool]) -> None:
    stop = asyncio.Event()
    running = asyncio.create_task(consumer.run(stop))
    try:
        async with asyncio.timeout(15):
            while not done():
                await asyncio.sleep(0.05)
    finally:
        stop.set()
        await running


async def test_an_event_continues_the_trace_of_the_request_that_recorded_it(
    nc: Client, tmp_path: Path, spans: InMemorySpanExporter
):
    # Request → outbox row → relay → JetStream → consumer: the consumer's span is a
    # child of the span that recorded the event, though the relay published it later
    # from its own task, outside that span.
    db, tables = await messaging_db(tmp_path)
    js = nc.jetstream()
    await ensure_event_stream(js)
    event = an_event(f"traced{new_id().hex}", "corr-1")
    handled: list[str] = []

    async def handler(_session: AsyncSession, got: EventEnvelope) -> None:
        handled.append(got.type)

    consumer = consumer_of(js, db, f"traced{new_id().hex}", event.subject, handler, tables=tables)
    try:
        with tracing.span("graphql mutation", kind=SpanKind.SERVER) as request:
            async with db.transaction() as session:
                await record_event(session, tables, event)
        assert await OutboxRelay(db, tables, js, name="traced").drain() == 1
        await consume_until(consumer, lambda: bool(handled))
    finally:
        await db.dispose()

    [consumed] = [s for s in spans.get_finished_spans() if s.name == f"consume {event.subject}"]
    assert consumed.kind == SpanKind.CONSUMER
    assert consumed.context is not None
    assert consumed.context.trace_id == request.get_span_context().trace_id
    assert consumed.parent is not None
    assert consumed.parent.span_id == request.get_span_context().span_id


async def test_each_event_of_a_batch_continues_its_own_trace(
    nc: Client, tmp_path: Path, spans: InMemorySpanExporter
):
    # Three requests, three traces; one consumer fetches the three events as a batch
    # and applies them in one transaction: each is applied in a span of its own
    # request's trace, with its correlation id in the log context.
    db, tables = await messaging_db(tmp_path)
    js = nc.jetstream()
    await ensure_event_stream(js)
    kind = f"batched{new_id().hex}"
    events = [an_event(kind, f"corr-{n}") for n in range(3)]
    requests = []
    seen: list[tuple[str, str]] = []

    async def handler(_session: AsyncSession, got: EventEnvelope) -> None:
        logged = structlog.contextvars.get_contextvars()
        seen.append((got.correlation_id, logged["correlation_id"]))

    consumer = consumer_of(
        js,
        db,
        f"batched{new_id().hex}",
        events[0].subject,
        handler,
        batch_handler=one_after_another(handler),
        tables=tables,
    )
    try:
        for event in events:
            with tracing.span("graphql mutation", kind=SpanKind.SERVER) as request:
                async with db.transaction() as session:
                    await record_event(session, tables, event)
            requests.append(request.get_span_context())
        assert await OutboxRelay(db, tables, js, name="traced").drain() == 3
        await consume_until(consumer, lambda: consumer.applied == 3)
    finally:
        await db.dispose()

    assert seen == [(e.correlation_id, e.correlation_id) for e in events]
    finished = spans.get_finished_spans()
    applied = [s for s in finished if s.name == f"apply {events[0].type}"]
    assert [(s.context.trace_id, s.parent.span_id) for s in applied if s.context and s.parent] == [
        (r.trace_id, r.span_id) for r in requests
    ]
    [batch] = [s for s in finished if s.name.startswith("consume batch")]
    assert {link.context.span_id for link in batch.links} == {r.span_id for r in requests}


async def test_without_tracing_the_outbox_keeps_no_trace_context(tmp_path: Path):
    db, tables = await messaging_db(tmp_path)
    event = an_event("untraced", "corr-2")
    try:
        async with db.transaction() as session:
            await record_event(session, tables, event)
        async with db.transaction() as session:
            stored = (await session.execute(select(tables.outbox.c.trace_context))).scalar_one()
    finally:
        await db.dispose()
    assert stored is None
