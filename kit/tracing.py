"""OpenTelemetry traces: gateway -> NATS (W3C `traceparent` header) -> service -> database.

Off unless an OTLP endpoint is configured with the standard variables
(`OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, plus the
usual `OTEL_*` ones for headers, sampling, resource). Off, the API's no-op tracer
makes every span here a few hundred nanoseconds and injects no header.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, MutableMapping, Sequence
from contextlib import contextmanager
from typing import Any

import structlog
from opentelemetry import propagate, trace
from opentelemetry.context import Context
from opentelemetry.trace import Link, Span, SpanKind, Status, StatusCode
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

# structlog directly: kit.logging imports this module for the trace ids in each line.
log = structlog.get_logger(__name__)

_TRACER_NAME = "ecohost"
_ENDPOINT_VARIABLES = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
# Ours rather than only the global one: tests install and remove an in-memory provider,
# which OpenTelemetry's set-once global would not allow.
_provider: trace.TracerProvider | None = None


def enabled() -> bool:
    return _provider is not None


def configure_tracing(process: str, environ: Mapping[str, str] | None = None) -> bool:
    """Export spans over OTLP/HTTP when an endpoint is configured; returns whether it is."""
    env = os.environ if environ is None else environ
    if not any(env.get(name) for name in _ENDPOINT_VARIABLES):
        return False
    # Imported only when used: the SDK and exporter cost start-up time nobody needs off.
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    service_name = env.get("OTEL_SERVICE_NAME") or f"ecohost-{process}"
    provider = TracerProvider(resource=Resource.create({"service.name": service_name}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    use_provider(provider)
    log.info("tracing.enabled", service=service_name)
    return True


def use_provider(provider: trace.TracerProvider | None) -> None:
    """Make `provider` the source of this process's spans; None turns tracing off."""
    global _provider
    _provider = provider


def tracer() -> trace.Tracer:
    return (_provider or trace.get_tracer_provider()).get_tracer(_TRACER_NAME)


def inject(headers: MutableMapping[str, str]) -> None:
    """Add `traceparent` (and `tracestate`) of the current span to outgoing NATS headers."""
    propagate.inject(headers)


def extract(headers: Mapping[str, str] | None) -> Context:
    """The caller's trace context from incoming NATS headers (empty when there is none)."""
    return propagate.extract(dict(headers or {}))


def link_to(context: Context) -> Link | None:
    """A link to the span a trace context names (None when it names none), for a
    span that continues several traces at once, such as a consumed batch."""
    found = trace.get_current_span(context).get_span_context()
    return Link(found) if found.is_valid else None


@contextmanager
def span(
    name: str,
    *,
    kind: SpanKind = SpanKind.INTERNAL,
    parent: Context | None = None,
    links: Sequence[Link] = (),
    attributes: Mapping[str, Any] | None = None,
) -> Iterator[Span]:
    """A span that records an escaping exception as an error, then re-raises it."""
    with tracer().start_as_current_span(
        name, context=parent, kind=kind, links=list(links), attributes=dict(attributes or {})
    ) as current:
        yield current


def mark_error(current: Span, description: str) -> None:
    current.set_status(Status(StatusCode.ERROR, description))


def add_trace_ids(_logger: Any, _method: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    """structlog processor: `trace_id`/`span_id` of the current span, when there is one."""
    context = trace.get_current_span().get_span_context()
    if context.is_valid:
        event_dict.setdefault("trace_id", f"{context.trace_id:032x}")
        event_dict.setdefault("span_id", f"{context.span_id:016x}")
    return event_dict


def instrument_engine(engine: AsyncEngine, *, system: str) -> None:
    """A client span per SQL statement, child of whatever span is current."""
    sync_engine = engine.sync_engine
    key = "_ecohost_span"

    @event.listens_for(sync_engine, "before_cursor_execute")
    def _before(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        operation = statement.lstrip().split(" ", 1)[0].upper()
        current = tracer().start_span(
            f"db {operation}",
            kind=SpanKind.CLIENT,
            attributes={"db.system": system, "db.statement": statement[:1000]},
        )
        conn.info.setdefault(key, []).append(current)

    @event.listens_for(sync_engine, "after_cursor_execute")
    def _after(conn: Any, *_: Any) -> None:
        stack = conn.info.get(key)
        if stack:
            stack.pop().end()

    @event.listens_for(sync_engine, "handle_error")
    def _error(context: Any) -> None:
        conn = context.connection
        stack = conn.info.get(key) if conn is not None else None
        if stack:
            failed = stack.pop()
            mark_error(failed, type(context.original_exception).__name__)
            failed.end()
