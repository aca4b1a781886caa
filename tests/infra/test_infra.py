"""The test infrastructure itself: a real nats-server and a real PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import nats
import pytest
from nats.js.api import StreamConfig
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.infra.nats_server import running_nats
from tests.infra.postgres import MAX_CONNECTIONS, PostgresInfo, running_postgres


async def _publish(url: str, count: int) -> None:
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        await js.add_stream(StreamConfig(name="INFRA", subjects=["infra.>"]))
        for i in range(count):
            ack = await js.publish("infra.check", f"message {i}".encode())
            assert ack.seq == i + 1
    finally:
        await nc.close()


async def _stored(url: str) -> list[bytes]:
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        info = await js.stream_info("INFRA")
        last = info.state.last_seq
        return [(await js.get_msg("INFRA", seq)).data or b"" for seq in range(1, last + 1)]
    finally:
        await nc.close()


async def test_nats_has_jetstream(tmp_path: Path) -> None:
    with running_nats(tmp_path) as server:
        await _publish(server.url, 3)
        assert await _stored(server.url) == [b"message 0", b"message 1", b"message 2"]


async def test_nats_restart_keeps_messages_on_the_same_port(tmp_path: Path) -> None:
    with running_nats(tmp_path) as server:
        await _publish(server.url, 3)
        before = (server.url, server.pid)

        server.restart()

        assert server.url == before[0]
        assert server.pid != before[1]
        assert await _stored(server.url) == [b"message 0", b"message 1", b"message 2"]


async def test_nats_comes_back_after_a_kill(tmp_path: Path) -> None:
    with running_nats(tmp_path) as server:
        await _publish(server.url, 1)

        server.kill()
        assert server.process.returncode == -9
        server.restart()

        assert await _stored(server.url) == [b"message 0"]


@pytest.fixture(scope="module")
def postgres() -> Iterator[PostgresInfo]:
    with running_postgres() as info:
        yield info


async def test_postgres_create_database_and_select(postgres: PostgresInfo) -> None:
    url = postgres.create_database("infra_check")

    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            assert (await conn.execute(text("select 1"))).scalar_one() == 1
            name = (await conn.execute(text("select current_database()"))).scalar_one()
            assert name == "infra_check"
            # Room for every stack of a session (tests/infra/postgres.py).
            allowed = (await conn.execute(text("show max_connections"))).scalar_one()
            assert int(allowed) == MAX_CONNECTIONS
    finally:
        await engine.dispose()


def test_postgres_refuses_a_duplicate_database(postgres: PostgresInfo) -> None:
    postgres.create_database("infra_twice")

    with pytest.raises(RuntimeError, match="already exists"):
        postgres.create_database("infra_twice")
