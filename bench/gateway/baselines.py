"""The two baseline servers, run as child processes: (a) the real gateway app and (b) a
default FastAPI + strawberry app, both fed by the services' handlers in-process."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

import httpx
from starlette.requests import HTTPConnection

from cli.process import free_port
from cli.stack import SERVICES, StackConfig
from contracts.core import Rpc
from kit.rpc import CallContext, RpcClient, RpcServer

READY_WITHIN = 300  # seconds; a loaded machine (other test runs) starts a child slowly

# --- the services without NATS -------------------------------------------------------


class Endpoints:
    """Collects what a service's `endpoints.register` adds, in place of an RpcServer."""

    def __init__(self) -> None:
        self.handlers: dict[str, Callable[[Any, CallContext], Awaitable[Any]]] = {}

    def add(
        self, rpc: Rpc[Any, Any], handler: Callable[[Any, CallContext], Awaitable[Any]]
    ) -> None:
        self.handlers[rpc.subject] = handler


class InProcessRpc:
    """`RpcClient.call` without NATS: the service's handler, awaited in this process."""

    def __init__(self, handlers: dict[str, Callable[[Any, CallContext], Awaitable[Any]]]) -> None:
        self.handlers = handlers
        self.calls = 0

    async def call(
        self, rpc: Rpc[Any, Any], request: Any, ctx: CallContext, *, timeout: float | None = None
    ) -> Any:
        self.calls += 1
        return await self.handlers[rpc.subject](request, ctx)


async def in_process_services() -> RpcClient:
    """Every service's endpoints, on the databases their settings (env) name."""
    from services.archive import app as archive_app
    from services.archive.catalogue.deps import CatalogueDeps
    from services.archive.documents.deps import DocumentDeps
    from services.archive.settings import ArchiveSettings
    from services.engagement import app as engagement_app
    from services.engagement import endpoints as engagement_endpoints
    from services.evaluation import app as evaluation_app
    from services.evaluation import endpoints as evaluation_endpoints

    collected = Endpoints()
    server = cast(RpcServer, collected)
    engagement_endpoints.register(server, engagement_app.build())
    evaluation_endpoints.register(server, evaluation_app.build())
    archive_settings = ArchiveSettings()
    signer = archive_app.ledger_signer(archive_settings)
    store = await archive_app.open_storage()
    deps = CatalogueDeps(store=store, settings=archive_settings, signer=signer)
    runtime = archive_app.build(archive_settings)
    archive_app.register_endpoints(server, runtime, DocumentDeps(catalogue=deps, runtime=runtime))
    return cast(RpcClient, InProcessRpc(collected.handlers))


# --- the two baseline servers (child processes) ----------------------------------------


def serve_in_process_gateway(port: int) -> None:
    """(a): the gateway app as `python -m gateway` serves it, its RPC client swapped."""
    import uvicorn
    from fastapi import Response

    from gateway.app import create_app
    from kit.gc_tuning import settle_heap

    app = create_app()
    swapped: list[bool] = []

    @app.get("/bench/ready", include_in_schema=False)
    async def ready() -> Response:
        state = app.state.gateway
        if not swapped and state.rpc is not None:  # NATS connected: the lifespan is done
            state.rpc = await in_process_services()
            swapped.append(True)
        return Response(status_code=200 if swapped else 503)

    settle_heap()  # as `python -m gateway` does
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def serve_default_app(port: int) -> None:
    """(b): FastAPI + strawberry as their documentation shows them, same types and data."""
    import strawberry
    import uvicorn
    from fastapi import FastAPI
    from strawberry.fastapi import GraphQLRouter

    from gateway.authz.authorizer import Authorizer
    from gateway.authz.enforcer import build_enforcer
    from gateway.clients import ServiceClients
    from gateway.context import Context, scope_of
    from gateway.dataloaders import build_loaders
    from gateway.schema import Query
    from gateway.settings import GatewaySettings
    from kit.auth import ANONYMOUS, AuthError, TokenVerifier
    from kit.ids import new_id

    settings = GatewaySettings()
    verifier = TokenVerifier(settings.auth)
    held: dict[str, Any] = {}

    async def context_getter(request: HTTPConnection) -> Context:
        if not held:
            held["enforcer"] = await build_enforcer(settings.database_url)
            held["rpc"] = await in_process_services()
        try:
            principal = verifier.principal_from_header(request.headers.get("authorization"))
        except AuthError:
            principal = ANONYMOUS
        authorizer = Authorizer(held["enforcer"], principal)
        request_id = str(new_id())
        clients = ServiceClients.of(
            held["rpc"],
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
            loaders=build_loaders(clients, scope_of(authorizer)),
        )

    app = FastAPI()
    app.include_router(
        GraphQLRouter(strawberry.federation.Schema(query=Query), context_getter=context_getter),
        prefix="/graphql",
    )

    @app.get("/bench/ready")
    async def ready() -> dict[str, str]:
        return {"status": "ok"}

    uvicorn.run(app, host="127.0.0.1", port=port, loop="asyncio", http="h11", log_level="warning")


@contextmanager
def child_server(kind: str, env: dict[str, str]) -> Iterator[tuple[str, int]]:
    """A baseline server in a child process; yields its URL and pid once it answers."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.gateway", "--serve", kind, "--port", str(port)],
        env={**os.environ, **env},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + READY_WITHIN
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"{kind} server exited with {proc.returncode}")
            try:
                if httpx.get(url + "/bench/ready", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{kind} server not ready after {READY_WITHIN} s")
            time.sleep(0.2)
        yield url, proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def service_env(config: StackConfig, nats_url: str, data_dir: Path) -> dict[str, str]:
    """The settings the stack gives its children, for an in-process copy of them."""
    env = {
        f"ECOHOST_{name.upper()}_DATABASE_URL": config.database_url(name)
        for name in (*SERVICES, "gateway")
    }
    env["ECOHOST_GATEWAY_NATS_URL"] = nats_url
    env["ECOHOST_ARCHIVE_LEDGER_KEY_FILE"] = str(data_dir / "ledger-signing.key")
    env.update(config.env)
    env["ECOHOST_GATEWAY_LOG_LEVEL"] = "WARNING"
    return env
