"""The gateway app in process (no services): enough for everything decided before a
resolver asks a service — HTTP handling, persisted queries, validation limits, the
WebSocket protocol."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from pydantic import SecretStr

from cli.process import free_port
from gateway.app import create_app
from gateway.http.one_write import OneWriteProtocol
from gateway.settings import GatewaySettings
from kit.auth import AuthSettings
from tests.ops.test_tracing import spans as spans  # the in-memory span exporter fixture

# A production gateway refuses the development secret (kit.settings): these tests get
# their own, as a deployment would.
PRODUCTION_AUTH = AuthSettings(secret=SecretStr("tests-only-production-secret-of-48-bytes-000000"))


def settings_of(tmp_path: Path, overrides: dict[str, Any]) -> GatewaySettings:
    if overrides.get("environment") == "production":
        overrides.setdefault("auth", PRODUCTION_AUTH)
    return GatewaySettings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'gateway.db'}",
        nats_url=f"nats://127.0.0.1:{free_port()}",
        **overrides,
    )


AppClient = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]
ServedGateway = Callable[..., AbstractAsyncContextManager[str]]


@pytest.fixture
def gateway_client(tmp_path: Path) -> AppClient:
    """`async with gateway_client(environment="production", …) as client:` — an
    httpx client on a gateway built from those settings. NATS points at a closed
    port: no test here reaches a service."""

    @asynccontextmanager
    async def client(**overrides: Any) -> AsyncIterator[httpx.AsyncClient]:
        settings = settings_of(tmp_path, overrides)
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://gw") as c:
                yield c

    return client


@asynccontextmanager
async def serving(app: Any) -> AsyncIterator[str]:
    """`app` served by uvicorn on a free 127.0.0.1 port; yields its `ws://…/graphql`."""
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", http=OneWriteProtocol
    )  # the protocol `python -m gateway` serves with
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if task.done():
                task.result()  # start-up failed: raise its error
            await asyncio.sleep(0.01)
        yield f"ws://127.0.0.1:{port}/graphql"
    finally:
        server.should_exit = True
        await task


@pytest.fixture
def served_gateway(tmp_path: Path) -> ServedGateway:
    """`async with served_gateway(environment="production", …) as url:` — a gateway
    built from those settings, served by uvicorn on 127.0.0.1 (for WebSockets);
    `url` is its `ws://…/graphql`. No services behind it, as above."""

    @asynccontextmanager
    async def serve(**overrides: Any) -> AsyncIterator[str]:
        settings = settings_of(tmp_path, overrides)
        async with serving(create_app(settings)) as url:
            yield url

    return serve
