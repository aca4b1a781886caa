"""One trace from the caller through a NATS request (W3C traceparent header) into the
service's handler and its SQL, and the trace id in the log lines; nothing when off."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from nats.aio.client import Client
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from sqlalchemy import text

from contracts.base import Contract
from contracts.rpc import Rpc
from kit import tracing
from kit.db import Database
from kit.ids import new_id
from kit.rpc import CallContext, RpcClient, RpcServer


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
