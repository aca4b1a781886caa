"""The gateway's share of observability: `/metrics`, a timed and traced span per GraphQL
operation, and the draining flag that turns readiness false as soon as SIGTERM arrives."""

from __future__ import annotations

import functools
import time
from collections.abc import Iterator

from fastapi import FastAPI, Response
from opentelemetry.trace import SpanKind
from prometheus_client import Histogram
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
        if not tracing.enabled():
            # Tracing off: no span to make (OpenTelemetry's no-op one still cost a tracer
            # lookup and a context attached and detached per operation); the same timer.
            yield
            name, kind = self._named()
            failed = self._failed()
        else:
            with tracing.span("graphql", kind=SpanKind.SERVER) as span:
                yield
                name, kind = self._named()
                span.update_name(f"graphql {kind} {name}")
                failed = self._failed()
                if failed:
                    tracing.mark_error(span, "graphql errors")
        outcome = "error" if failed else "ok"
        _operation_seconds(name, kind, outcome).observe(time.perf_counter() - started)

    def _named(self) -> tuple[str, str]:
        """The operation's name and type, named after the fact: an anonymous operation's
        name comes from its document."""
        context = self.execution_context
        try:
            return metrics.operation_label(context.operation_name), context.operation_type.value
        except Exception:  # the document did not parse: no operation to name
            return "unparsed", "unknown"

    def _failed(self) -> bool:
        result = self.execution_context.result
        return bool(result is None or getattr(result, "errors", None))


@functools.cache
def _operation_seconds(name: str, kind: str, outcome: str) -> Histogram:
    """The histogram child of one operation, type and outcome, looked up once (as the RPC
    client's): `labels()` takes a lock and builds a key on every call. Bounded: operation
    names are capped (`metrics.operation_label`), types and outcomes are few."""
    return metrics.GRAPHQL_SECONDS.labels(name, kind, outcome)
