"""Typed request/reply over NATS with `nats.micro`.

Server: `RpcServer.add(rpc, handler)` registers a handler for an `Rpc` (`contracts.core`;
each service's are in `contracts/<service>/rpc*.py`); the service then answers
`$SRV.PING/INFO/STATS` for free and replicas share the load through the micro queue
group.

Client: `RpcClient.call(rpc, request, context)` returns the typed response or
raises the typed `DomainError` the service raised; no answer within the timeout
(service down, NATS down) raises `ServiceUnavailable`.

Wire format of a reply: `{"ok": true, "result": …}` or `{"ok": false, "error":
{"code", "message", "field", "details"}}`; errors also set the micro headers
`Nats-Service-Error-Code`/`Nats-Service-Error` so standard NATS tools see them.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import json
import time
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, TypeVar

import structlog
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from nats.errors import ConnectionClosedError, NoRespondersError
from nats.errors import TimeoutError as NatsTimeoutError
from nats.micro import add_service
from nats.micro.request import Request
from nats.micro.service import Service
from opentelemetry.trace import Span, SpanKind
from prometheus_client import Histogram
from pydantic import ValidationError

from contracts.core import Contract, DomainError, Rpc, ServiceUnavailable
from kit import tracing
from kit.db import database_unreachable
from kit.logging import CORRELATION_HEADER, get_logger
from kit.messaging import IDEMPOTENCY_KEY_WIDTH
from kit.metrics import NATS_REQUEST_SECONDS, RPC_HANDLE_SECONDS
from kit.nul import refuse_nul
from kit.replies import ReplyDecoder, UndecodableReply, validated_replies
from kit.validation import validation_failed

log = get_logger(__name__)

Req = TypeVar("Req", bound=Contract)
Resp = TypeVar("Resp", bound=Contract)

ACTOR_HEADER = "Ecohost-Actor"
TENANT_HEADER = "Ecohost-Tenant"
IDEMPOTENCY_HEADER = "Ecohost-Idempotency-Key"


@dataclass
class IdempotencyScope:
    """One mutation's idempotency key while it is being sent: the gateway sets it
    (`IDEMPOTENCY`) around one mutation's calls, and `RpcClient` sends each request made
    meanwhile with a key of its own, derived from it, the subject and how many of that
    subject went before, so a mutation that sends two commands gives each its own key
    and its retry gives each the same key again. Only commands use it
    (`kit.idempotency`); reads ignore it."""

    key: str
    sent: dict[str, int] = field(default_factory=dict)

    def key_for(self, subject: str) -> str:
        n = self.sent.get(subject, 0)
        self.sent[subject] = n + 1
        derived = f"{self.key}|{subject}" + (f"#{n}" if n else "")
        if len(derived) > IDEMPOTENCY_KEY_WIDTH:  # what the services keep
            return hashlib.sha256(derived.encode()).hexdigest()
        return derived


IDEMPOTENCY: ContextVar[IdempotencyScope | None] = ContextVar("ecohost_idempotency", default=None)


@dataclass(frozen=True)
class CallContext:
    """Who asks, for which tenant, in which request chain; travels in NATS headers."""

    actor: str
    tenant: str
    correlation_id: str
    idempotency_key: str | None = None
    """On the service side: the key this request was sent with (`IdempotencyScope`)."""

    def headers(self) -> dict[str, str]:
        # The idempotency key is never passed on: `RpcClient` derives one per request.
        return {
            ACTOR_HEADER: self.actor,
            TENANT_HEADER: self.tenant,
            CORRELATION_HEADER: self.correlation_id,
        }

    @classmethod
    def from_headers(cls, headers: dict[str, str] | None) -> CallContext:
        h = headers or {}
        return cls(
            actor=h.get(ACTOR_HEADER, "anonymous"),
            tenant=h.get(TENANT_HEADER, ""),
            correlation_id=h.get(CORRELATION_HEADER, ""),
            idempotency_key=h.get(IDEMPOTENCY_HEADER) or None,
        )


class RawReply:
    """A reply already serialised as its contract's JSON, sent as it is: a command
    answered again from what `kit.idempotency` kept, or a read whose service encoded its
    own rows (msgspec, `kit.struct_encoding`) without building the contract's models."""

    __slots__ = ("body",)

    def __init__(self, json: str | bytes) -> None:
        self.body = json.encode() if isinstance(json, str) else json

    @property
    def json(self) -> str:
        return self.body.decode()


RpcHandler = Callable[[Any, CallContext], Awaitable[Contract | RawReply]]


class RpcServer:
    """The request/reply side of one service process."""

    def __init__(
        self,
        nc: Client,
        *,
        service: str,
        version: str,
        description: str,
        max_in_flight: int = 64,
    ) -> None:
        self._nc = nc
        self._name = service
        self._version = version
        self._description = description
        self._handlers: list[tuple[Rpc[Any, Any], RpcHandler]] = []
        self._service: Service | None = None
        # nats.micro runs one handler at a time per endpoint; requests are handed
        # to tasks (bounded) so a slow request does not queue the fast ones.
        self._slots = asyncio.Semaphore(max_in_flight)
        self._tasks: set[asyncio.Task[None]] = set()

    def add(
        self,
        rpc: Rpc[Req, Resp],
        handler: Callable[[Req, CallContext], Awaitable[Resp | RawReply]],
    ) -> None:
        if rpc.service != self._name:
            raise ValueError(f"{rpc.subject} does not belong to service {self._name}")
        self._handlers.append((rpc, handler))

    async def start(self) -> None:
        self._service = await add_service(
            self._nc,
            name=self._name,
            version=self._version,
            description=self._description,
            queue_group=f"ecohost-{self._name}",
        )
        for rpc, handler in self._handlers:
            await self._service.add_endpoint(
                name=rpc.name.replace(".", "-"),
                subject=rpc.subject,
                handler=self._dispatcher(rpc, handler),
            )

    async def stop(self, timeout: float = 10.0) -> None:
        """Stop taking requests, then let the in-flight ones finish.

        nats.micro's own stop *unsubscribes* its endpoints, which discards requests
        already delivered to this replica but not yet dispatched: their callers time
        out although another replica could have served them. Draining instead tells
        the server to route new requests elsewhere and dispatches what already
        arrived; only then is the service (its $SRV subscriptions) stopped.
        """
        service = self._service
        if service is not None:
            self._service = None
            endpoints, service._endpoints = service._endpoints, []
            for endpoint in endpoints:
                await _drain(endpoint._subscription, timeout)
            await service.stop()
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=timeout)

    def _dispatcher(
        self, rpc: Rpc[Any, Any], handler: RpcHandler
    ) -> Callable[[Request], Awaitable[None]]:
        async def dispatch(request: Request) -> None:
            await self._slots.acquire()
            task = asyncio.create_task(self._serve(rpc, handler, request))
            self._tasks.add(task)
            task.add_done_callback(self._finished)

        return dispatch

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        self._slots.release()

    async def _serve(self, rpc: Rpc[Any, Any], handler: RpcHandler, request: Request) -> None:
        started = time.perf_counter()
        if tracing.enabled():
            with tracing.span(
                rpc.subject, kind=SpanKind.SERVER, parent=tracing.extract(request.headers)
            ) as span:
                outcome = await self._answer(rpc, handler, request)
                if outcome != "ok":
                    tracing.mark_error(span, outcome)
        else:
            # Tracing off: no span to make. OpenTelemetry's no-op one still cost a tracer,
            # a context attached and detached and the headers parsed, about 12 µs of a
            # 35 µs call (measured with an empty handler).
            outcome = await self._answer(rpc, handler, request)
        _handle_seconds(rpc.subject, outcome).observe(time.perf_counter() - started)

    async def _answer(self, rpc: Rpc[Any, Any], handler: RpcHandler, request: Request) -> str:
        """Run the handler and respond; returns the outcome: ok, error or internal."""
        ctx = CallContext.from_headers(request.headers)
        # Bound for the rest of this task, not reset: each request is served in a task of
        # its own (`_dispatcher`), whose copy of the context ends with it. Resetting them
        # (`bound_contextvars`) cost 5 µs a call, most of the logging context's cost.
        structlog.contextvars.bind_contextvars(
            correlation_id=ctx.correlation_id, rpc=rpc.subject, actor=ctx.actor
        )
        try:
            refuse_nul(request.data)  # PostgreSQL cannot store it (kit/nul.py)
            payload = rpc.request.model_validate_json(request.data)
            result = await handler(payload, ctx)
            # Serialised by pydantic's core in one pass: no dict, no json.dumps
            # (a RawReply is already JSON).
            encoded = (
                result.body if isinstance(result, RawReply) else result.model_dump_json().encode()
            )
            body = _OK_PREFIX + encoded + b"}"
            await request.respond(body)
        except ValidationError as exc:
            await _respond_error(request, validation_failed(exc))
            return "error"
        except DomainError as exc:
            await _respond_error(request, exc)
            return "error"
        except Exception as exc:
            if database_unreachable(exc):
                # A database restart is an outage like NATS's, not a bug: the caller
                # gets ServiceUnavailable and may retry.
                log.warning("rpc.database_unreachable", error=str(exc).splitlines()[0])
                unavailable = ServiceUnavailable(
                    "the {service} service cannot reach its database",
                    details={"rpc": rpc.subject, "cause": type(exc).__name__},
                    params={"service": rpc.service},
                )
                await _respond_error(request, unavailable)
                return "unavailable"
            log.exception("rpc.internal_error")
            await _respond_error(request, DomainError("internal error"), code="internal")
            return "internal"
        return "ok"


@functools.cache
def _handle_seconds(subject: str, outcome: str) -> Histogram:
    """The histogram child of one subject and outcome, looked up once: `labels()` takes
    a lock and builds a key on every call."""
    return RPC_HANDLE_SECONDS.labels(subject, outcome)


async def _drain(subscription: Subscription | None, timeout: float) -> None:
    if subscription is None:
        return
    try:
        await asyncio.wait_for(subscription.drain(), timeout=timeout)  # type: ignore[no-untyped-call]
    except Exception as exc:  # NATS gone: nothing more can arrive anyway
        log.warning("rpc.drain_failed", error=str(exc) or type(exc).__name__)


async def _respond_error(request: Request, error: DomainError, *, code: str | None = None) -> None:
    data = error.to_dict()
    if code:
        data["code"] = code
    headers = {
        "Nats-Service-Error-Code": "500" if data["code"] == "internal" else "400",
        "Nats-Service-Error": data["code"],
    }
    try:
        await request.respond(json.dumps({"ok": False, "error": data}).encode(), headers=headers)
    except Exception as exc:  # the caller is gone or NATS is down; it will time out
        log.warning("rpc.respond_failed", error=str(exc))


class RpcClient:
    """Calls services; one per process, shared by all requests."""

    def __init__(
        self, nc: Client, *, timeout: float = 5.0, decode: ReplyDecoder = validated_replies
    ) -> None:
        self._nc = nc
        self._timeout = timeout
        # How replies are read (`kit.replies`): pydantic models by default; the gateway
        # passes `kit.reply_structs.struct_replies`.
        self._decode = decode
        self.calls = 0  # requests sent; tests use it to prove DataLoader batching

    async def call(
        self, rpc: Rpc[Req, Resp], request: Req, ctx: CallContext, *, timeout: float | None = None
    ) -> Resp:
        self.calls += 1
        data = request.model_dump_json().encode()
        started = time.perf_counter()
        if not tracing.enabled():
            # Tracing off: no span and no traceparent to make (OpenTelemetry's no-op span
            # still cost a tracer lookup and a context attached and detached per call).
            result, error = await self._exchange(rpc, data, ctx, timeout, started, None)
        else:
            with tracing.span(rpc.subject, kind=SpanKind.CLIENT) as span:
                result, error = await self._exchange(rpc, data, ctx, timeout, started, span)
                if error is not None:
                    tracing.mark_error(span, str(error.get("code", "error")))
        if error is not None:
            raise DomainError.from_dict(error)
        reply: Resp = result
        return reply

    async def _exchange(
        self,
        rpc: Rpc[Any, Any],
        data: bytes,
        ctx: CallContext,
        timeout: float | None,
        started: float,
        span: Span | None,
    ) -> tuple[Any, dict[str, Any] | None]:
        """Send the request and decode the reply: (result, None) or (None, error)."""
        try:
            msg = await self._request(rpc, data, ctx, timeout, traced=span is not None)
        except ServiceUnavailable:
            _observe(rpc, "unavailable", started)
            raise
        try:
            result, error = self._decode(rpc, msg.data)
        except UndecodableReply:
            _observe(rpc, "undecodable", started)
            if span is not None:
                tracing.mark_error(span, "undecodable")
            raise
        _observe(rpc, "ok" if error is None else "error", started)
        return result, error

    async def _request(
        self,
        rpc: Rpc[Any, Any],
        data: bytes,
        ctx: CallContext,
        timeout: float | None,
        *,
        traced: bool = True,
    ) -> Msg:
        headers = ctx.headers()
        scope = IDEMPOTENCY.get()
        if scope is not None:
            headers[IDEMPOTENCY_HEADER] = scope.key_for(rpc.subject)
        if traced:
            tracing.inject(headers)  # W3C traceparent: the service continues this trace
        try:
            return await self._nc.request(
                rpc.subject, data, timeout=timeout or self._timeout, headers=headers
            )
        except (NoRespondersError, NatsTimeoutError, TimeoutError, ConnectionClosedError) as exc:
            raise ServiceUnavailable(
                "the {service} service did not answer",
                details={"rpc": rpc.subject, "cause": type(exc).__name__},
                params={"service": rpc.service},
            ) from exc
        except Exception as exc:
            raise ServiceUnavailable(
                "the {service} service is unreachable",
                details={"rpc": rpc.subject, "cause": type(exc).__name__},
                params={"service": rpc.service},
            ) from exc


def _observe(rpc: Rpc[Any, Any], outcome: str, started: float) -> None:
    _request_seconds(rpc.subject, outcome).observe(time.perf_counter() - started)


@functools.cache
def _request_seconds(subject: str, outcome: str) -> Histogram:
    """The histogram child of one subject and outcome, looked up once, as the server's
    `_handle_seconds`: `labels()` takes a lock and builds a key on every call."""
    return NATS_REQUEST_SECONDS.labels(subject, outcome)


_OK_PREFIX = b'{"ok":true,"result":'
