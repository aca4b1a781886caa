"""The services' health server: liveness that needs nothing but the process, readiness
that needs NATS and the database and turns false as soon as the service stops."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from cli.nats import NatsProcess
from cli.process import free_port
from kit.health import HealthServer
from kit.migrate import upgrade
from services.engagement import app as engagement
from services.engagement.settings import EngagementSettings


async def get(port: int, path: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", trust_env=False) as c:
        return await c.get(path)


async def test_live_ready_and_metrics_answer_over_http():
    ready = False

    async def check() -> bool:
        return ready

    server = HealthServer(
        host="127.0.0.1", port=0, ready=check, metrics=lambda: (b"up 1\n", "text/plain")
    )
    await server.start()
    try:
        assert (await get(server.port, "/health/live")).json() == {"status": "ok"}
        assert (await get(server.port, "/health/ready")).status_code == 503
        ready = True
        assert (await get(server.port, "/health/ready")).status_code == 200
        assert (await get(server.port, "/metrics")).text == "up 1\n"
        assert (await get(server.port, "/elsewhere")).status_code == 404
    finally:
        await server.stop()


async def test_a_hanging_readiness_check_is_not_ready():
    async def hang() -> bool:
        await asyncio.Event().wait()
        return True

    server = HealthServer(host="127.0.0.1", port=0, ready=hang, ready_timeout=0.2)
    await server.start()
    try:
        assert (await get(server.port, "/health/ready")).status_code == 503
        assert (await get(server.port, "/health/live")).status_code == 200
    finally:
        await server.stop()


def settings(tmp_path: Path, nats_url: str) -> EngagementSettings:
    return EngagementSettings(
        database_url=f"sqlite+aiosqlite:///{tmp_path}/engagement.db",
        nats_url=nats_url,
        health_port=free_port(),
    )


async def test_liveness_does_not_depend_on_nats(tmp_path: Path):
    # Nothing listens on this port: start() keeps trying to connect, as after a NATS outage.
    runtime = engagement.build(settings(tmp_path, f"nats://127.0.0.1:{free_port()}"))
    starting = asyncio.create_task(engagement.start(runtime))
    try:
        port = runtime.settings.health_port
        assert port is not None
        for _ in range(100):
            if runtime.health is not None:
                break
            await asyncio.sleep(0.05)
        assert (await get(port, "/health/live")).status_code == 200
        assert (await get(port, "/health/ready")).status_code == 503
    finally:
        starting.cancel()
        await asyncio.gather(starting, return_exceptions=True)
        if runtime.health is not None:
            await runtime.health.stop()
        await runtime.db.dispose()


async def test_readiness_follows_the_service_and_turns_false_on_stop(
    tmp_path: Path, nats_server: NatsProcess
):
    runtime = engagement.build(settings(tmp_path, nats_server.url))
    await upgrade(runtime.db, engagement.MIGRATIONS)
    await engagement.start(runtime)
    port = runtime.settings.health_port
    assert port is not None
    try:
        assert (await get(port, "/health/ready")).status_code == 200
        body = (await get(port, "/metrics")).text
        assert 'ecohost_outbox_published_total{service="engagement"}' in body
        assert "ecohost_consumer_pending" in body
    finally:
        stopping = asyncio.create_task(runtime.stop())
        await asyncio.sleep(0)  # stop() runs up to its first wait: readiness is off already
        assert await runtime.ready() is False
        await stopping
