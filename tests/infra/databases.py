"""A service's database for one test: opened on a fresh URL, migrated to head, disposed after."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from kit.db import Database
from kit.migrate import upgrade


@asynccontextmanager
async def migrated_database(url: str, schema: str, migrations: Path) -> AsyncIterator[Database]:
    database = Database(url, schema=schema)
    await upgrade(database, migrations)
    try:
        yield database
    finally:
        await database.dispose()
