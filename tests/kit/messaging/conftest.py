"""`db`: a fresh database per test, on SQLite and PostgreSQL, holding the messaging tables."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from kit.db import Database
from tests.kit.messaging.plumbing import metadata


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    async with database.engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    yield database
    await database.dispose()
