"""The gateway app in process (no services): enough for everything decided before a
resolver asks a service — HTTP handling, persisted queries, validation limits."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from cli.stack import free_port
from gateway.app import create_app
from gateway.settings import GatewaySettings

AppClient = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture
def gateway_client(tmp_path: Path) -> AppClient:
    """`async with gateway_client(environment="production", …) as client:` — an
    httpx client on a gateway built from those settings. NATS points at a closed
    port: no test here reaches a service."""

    @asynccontextmanager
    async def client(**overrides: Any) -> AsyncIterator[httpx.AsyncClient]:
        settings = GatewaySettings(
            database_url=f"sqlite+aiosqlite:///{tmp_path / 'gateway.db'}",
            nats_url=f"nats://127.0.0.1:{free_port()}",
            **overrides,
        )
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://gw") as c:
                yield c

    return client
