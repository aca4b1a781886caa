"""With tracing off the gateway makes no spans and sends no traceparent; on, it does,
and the operation's timer is the same either way."""

from __future__ import annotations

import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode
from prometheus_client import REGISTRY

from contracts.core import Contract, DomainError, Rpc
from gateway.observability import observe_operations
from gateway.schema import build_schema
from kit import tracing
from kit.rpc import CallContext, RpcClient
from tests.gateway.stand_ins import AnsweringNats

CALLER = CallContext(actor="u1", tenant="agency:1", correlation_id="r1")


class Ask(Contract):
    text: str


ASK = Rpc("traceless", "ask", Ask, Ask)


async def test_off_a_call_sends_the_callers_headers_only() -> None:
    nats = AnsweringNats(b'{"ok":true,"result":{"text":"hi"}}')
    reply = await RpcClient(nats).call(ASK, Ask(text="hi"), CALLER)  # type: ignore[arg-type]
    assert reply == Ask(text="hi")
    assert nats.headers == [CALLER.headers()]


async def test_on_a_call_is_a_client_span_whose_traceparent_is_sent(
    spans: InMemorySpanExporter,
) -> None:
    nats = AnsweringNats(b'{"ok":false,"error":{"code":"validation_failed","message":"no"}}')
    with pytest.raises(DomainError):
        await RpcClient(nats).call(ASK, Ask(text="hi"), CALLER)  # type: ignore[arg-type]
    (span,) = spans.get_finished_spans()
    assert (span.name, span.kind, span.status.status_code) == (
        ASK.subject,
        SpanKind.CLIENT,
        StatusCode.ERROR,
    )
    assert span.context is not None
    (sent,) = nats.headers
    ids = f"00-{span.context.trace_id:032x}-{span.context.span_id:016x}-"
    assert sent["traceparent"].startswith(ids)


def _observed(name: str, kind: str, outcome: str) -> float:
    value = REGISTRY.get_sample_value(
        "ecohost_graphql_operation_duration_seconds_count",
        {"operation": name, "type": kind, "outcome": outcome},
    )
    return value or 0.0


@pytest.mark.parametrize("traced", [False, True])
async def test_an_operation_is_timed_and_spanned_only_when_tracing_is_on(
    traced: bool, spans: InMemorySpanExporter
) -> None:
    if not traced:
        tracing.use_provider(None)
    schema = build_schema()
    observe_operations(schema)
    ok_before = _observed("Timed", "query", "ok")
    failed_before = _observed("Refused", "query", "error")
    assert (await schema.execute("query Timed { __typename }")).errors is None
    assert (await schema.execute("query Refused { nothing }")).errors
    assert _observed("Timed", "query", "ok") == ok_before + 1
    assert _observed("Refused", "query", "error") == failed_before + 1
    finished = [(s.name, s.status.status_code) for s in spans.get_finished_spans()]
    if traced:
        assert finished == [
            ("graphql query Timed", StatusCode.UNSET),
            ("graphql query Refused", StatusCode.ERROR),
        ]
    else:
        assert finished == []
