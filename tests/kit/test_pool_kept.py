"""kit.db's PostgreSQL pool keeps every connection it opens, up to the service's
`database_pool_size` (ECOHOST_<SERVICE>_DATABASE_POOL_SIZE, default 20): a busy process
opens no connection again once it has its peak (an overflow connection used to be
closed on its way back to a full pool and opened again by the next wave: a new
PostgreSQL backend each time), and never holds more than the setting."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import event, text

from kit.db import Database
from kit.runtime import build_runtime
from kit.settings import DATABASE_POOL_SIZE
from services.engagement.models import messaging
from services.engagement.settings import EngagementSettings
from tests.infra.postgres import PostgresInfo


@pytest.fixture
def pg_url(postgres: PostgresInfo, request: pytest.FixtureRequest) -> str:
    return postgres.create_database(f"pool_kept_{request.node.name[:40]}")


async def test_connections_opened_at_the_peak_are_kept_and_never_beyond_the_size(pg_url: str):
    db = Database(pg_url, pool_size=3)
    opened: list[object] = []
    event.listen(db.engine.sync_engine, "connect", lambda conn, _record: opened.append(conn))
    inside = 0
    most_inside = 0

    async def hold() -> None:
        nonlocal inside, most_inside
        async with db.transaction() as s:
            await s.execute(text("SELECT 1"))  # the connection is checked out here
            inside += 1
            most_inside = max(most_inside, inside)
            await s.execute(text("SELECT pg_sleep(0.05)"))
            inside -= 1

    try:
        for _wave in range(3):
            await asyncio.gather(*(hold() for _ in range(5)))  # more than the pool holds

        assert len(opened) == 3  # opened in the first wave, kept for the next two
        assert most_inside == 3  # the other two waited for a connection
        assert db.engine.pool.checkedin() == 3  # type: ignore[attr-defined]  # none closed
    finally:
        await db.dispose()


def test_the_service_setting_sizes_its_pool(monkeypatch: pytest.MonkeyPatch, pg_url: str):
    monkeypatch.setenv("ECOHOST_ENGAGEMENT_DATABASE_URL", pg_url)
    assert EngagementSettings().database_pool_size == DATABASE_POOL_SIZE == 20
    monkeypatch.setenv("ECOHOST_ENGAGEMENT_DATABASE_POOL_SIZE", "7")

    runtime = build_runtime("engagement", EngagementSettings(), messaging)

    assert runtime.db.engine.pool.size() == 7  # type: ignore[attr-defined]
    assert runtime.db.engine.pool._max_overflow == 0  # type: ignore[attr-defined]


def test_a_pool_size_below_two_is_refused(monkeypatch: pytest.MonkeyPatch):
    """The outbox relay's leader holds one connection for as long as it leads: with one
    in all, nothing else would ever get one."""
    monkeypatch.setenv("ECOHOST_ENGAGEMENT_DATABASE_POOL_SIZE", "1")
    with pytest.raises(ValueError, match="database_pool_size"):
        EngagementSettings()
