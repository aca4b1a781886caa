"""The gateway's share of observability: `/metrics`, a timed and traced span per GraphQL
operation, and the draining flag that turns readiness false as soon as SIGTERM arrives."""

from __future__ import annotations

import time
from collections.abc import Iterator

from fastapi import FastAPI, Response
from opentelemetry.trace import SpanKind
from strawberry.extensions import SchemaExtension
from strawberry.schema import BaseSchema

from kit import metrics, tracing

_draining = False


def begin_draining() -> None:
    """Called from the SIGTERM handler (gateway/__main__.py): readiness answers 503 while
    uvicorn finishes the requests in flight."""
    global _draining
    _draining = True


def draining() -> bool:
    return _draining


def mount_metrics(app: FastAPI) -> None:
    """Prometheus exposition at /metrics (kept off the Ingress: deploy/k8s/base/ingress.yaml)."""

    @app.get("/metrics", include_in_schema=False)
    async def scrape() -> Response:
        body, content_type = metrics.render()
        return Response(body, media_type=content_type)


def observe_operations(schema: BaseSchema) -> None:
    """Add OperationMetrics to a built schema's extensions (after its own, so the span and
    the timer include the protections' work too)."""
    schema.extensions = (*schema.extensions, OperationMetrics)  # type: ignore[attr-defined]


class OperationMetrics(SchemaExtension):
    """Times each operation by name, type and outcome, inside a span that the NATS calls
    of its resolvers continue (their traceparent header points at it)."""

    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        with tracing.span("graphql", kind=SpanKind.SERVER) as span:
            yield
            # Named after the fact: an anonymous operation's name comes from its document.
            context = self.execution_context
            try:
                name = metrics.operation_label(context.operation_name)
                kind = context.operation_type.value
            except Exception:  # the document did not parse: no operation to name
                name, kind = "unparsed", "unknown"
            span.update_name(f"graphql {kind} {name}")
            result = context.result
            failed = bool(result is None or getattr(result, "errors", None))
            if failed:
                tracing.mark_error(span, "graphql errors")
        outcome = "error" if failed else "ok"
        metrics.GRAPHQL_SECONDS.labels(name, kind, outcome).observe(time.perf_counter() - started)
