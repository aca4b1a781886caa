"""The gateway process: FastAPI + strawberry, one door for frontends and platforms.

`create_app()` is the ASGI factory (`uvicorn gateway.app:create_app --factory`).
At start it loads the casbin policy and connects to NATS in the background; the
readiness probe turns true once NATS is connected, so a load balancer never
sends traffic to a gateway that cannot reach the services.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import structlog
from fastapi import FastAPI, Response
from fastapi.responses import JSONResponse
from nats.aio.client import Client
from starlette.requests import HTTPConnection

from gateway import idempotency
from gateway.authz.authorizer import Authorizer, Decider
from gateway.authz.decisions import DecisionCache
from gateway.authz.enforcer import build_enforcer
from gateway.clients import ServiceClients
from gateway.compliance.feed import feed_router
from gateway.context import Context, scope_of
from gateway.dataloaders import build_loaders
from gateway.files import files_router
from gateway.http.body_limit import BodySizeLimit
from gateway.http.router import GatewayRouter
from gateway.observability import draining, mount_metrics, observe_operations
from gateway.persisted import PersistedQueries, load_registry
from gateway.schema import build_schema
from gateway.settings import GatewaySettings
from gateway.statistics.report import reports_router
from kit.auth import ANONYMOUS, AuthError, TokenVerifier
from kit.bus import connect
from kit.ids import new_id
from kit.logging import get_logger
from kit.reply_structs import struct_replies
from kit.rpc import CallContext, RpcClient

log = get_logger(__name__)

REQUEST_ID_HEADER = "X-Request-Id"
# The settings that are build_schema's query limits, under the same names.
SCHEMA_LIMITS = {"max_depth", "max_aliases", "max_tokens", "max_cost", "max_batch_operations"}


@dataclass
class GatewayState:
    settings: GatewaySettings
    verifier: TokenVerifier
    enforcer: Decider | None = None
    nc: Client | None = None
    rpc: RpcClient | None = None
    stopping: bool = False
    tasks: list[asyncio.Task[Any]] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return (
            not self.stopping
            and self.enforcer is not None
            and self.nc is not None
            and self.nc.is_connected
        )


def create_app(settings: GatewaySettings | None = None) -> FastAPI:
    settings = settings or GatewaySettings()
    state = GatewayState(settings=settings, verifier=TokenVerifier(settings.auth))

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        state.enforcer = DecisionCache(await build_enforcer(settings.database_url))

        async def connect_nats() -> None:
            state.nc = await connect(settings, name="gateway")
            # Replies as msgspec structs, not pydantic models: the services built them from
            # the contracts already, and decoding was the gateway's largest cost (§15).
            state.rpc = RpcClient(state.nc, timeout=settings.rpc_timeout, decode=struct_replies)
            log.info("gateway.nats_connected", servers=settings.nats_servers)

        state.tasks.append(asyncio.create_task(connect_nats()))
        log.info("gateway.started", environment=settings.environment)
        yield
        state.stopping = True
        for task in state.tasks:
            task.cancel()
        if state.nc is not None and not state.nc.is_closed:
            await state.nc.close()
        log.info("gateway.stopped")

    async def context_getter(request: HTTPConnection) -> Context:
        # HTTPConnection: the same context for HTTP requests and WebSocket subscriptions.
        request_id = request.headers.get(REQUEST_ID_HEADER) or str(new_id())
        structlog.contextvars.bind_contextvars(request_id=request_id)
        context = build_context(request_id, request.headers.get("authorization"))
        context.idempotency_key = request.headers.get(idempotency.HEADER) or None
        return context

    def build_context(request_id: str, authorization: str | None) -> Context:
        auth_error: AuthError | None = None
        try:
            principal = state.verifier.principal_from_header(authorization)
        except AuthError as exc:
            principal, auth_error = ANONYMOUS, exc
        assert state.enforcer is not None, "lifespan builds the enforcer before requests"
        authorizer = Authorizer(state.enforcer, principal)
        clients = ServiceClients.of(
            state.rpc or _unavailable_client(),
            CallContext(
                actor=principal.user_id or "anonymous",
                tenant=principal.tenant,
                correlation_id=request_id,
            ),
        )
        return Context(
            request_id=request_id,
            principal=principal,
            authorizer=authorizer,
            clients=clients,
            loaders=build_loaders(clients, lambda: scope_of(authorizer), principal.clearance),
            auth_error=auth_error,
            events=lambda: state.nc,
            reauthenticate=lambda header: build_context(request_id, header),
        )

    app = FastAPI(title="ecohost gateway", lifespan=lifespan, docs_url=None, redoc_url=None)
    mount_graphql(app, settings, context_getter)
    app.include_router(files_router())  # the local store's signed URLs (archive)
    app.include_router(feed_router(lambda: (state.rpc, state.enforcer)))  # iCalendar feeds
    app.include_router(reports_router(context_getter))  # XLSX reports (region statistics)

    @app.get("/health/live", include_in_schema=False)
    async def live() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/health/ready", include_in_schema=False)
    async def ready() -> Response:
        ok = state.ready and not draining()
        return JSONResponse(
            {"status": "ok" if ok else "unavailable"}, status_code=200 if ok else 503
        )

    mount_metrics(app)
    app.state.gateway = state
    return app


def mount_graphql(
    app: FastAPI, settings: GatewaySettings, context_getter: Callable[..., Awaitable[Context]]
) -> None:
    """The GraphQL endpoint at /graphql, with every protection from the settings."""
    schema = build_schema(
        production=settings.production, **settings.model_dump(include=SCHEMA_LIMITS)
    )
    observe_operations(schema)
    path = settings.persisted_queries_path
    persisted = PersistedQueries(
        settings.persisted_queries,
        load_registry(Path(path)) if path else None,
        cache_size=settings.persisted_queries_cache_size,
    )
    graphql = GatewayRouter(
        schema,
        context_getter=context_getter,
        graphql_ide=None if settings.production else "graphiql",
        get_queries=not settings.production,  # GraphQL over HTTP's GET, queries only
        persisted=persisted,
        execution_timeout=settings.execution_timeout,
        max_subscriptions=settings.max_subscriptions_per_connection,
    )
    if (post := graphql.post_route("/graphql")) is not None:
        app.router.routes.append(post)  # ahead of strawberry's, added below
    app.include_router(graphql, prefix="/graphql")
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes, path_prefix="/graphql")


def _unavailable_client() -> RpcClient:
    """Before NATS is connected every call fails fast as ServiceUnavailable."""
    return _NotConnected()


class _NotConnected(RpcClient):
    def __init__(self) -> None:
        self.calls = 0

    async def call(
        self, rpc: Any, request: Any, ctx: CallContext, *, timeout: float | None = None
    ) -> Any:
        from contracts.core import ServiceUnavailable

        raise ServiceUnavailable("the gateway is not connected to NATS yet")
