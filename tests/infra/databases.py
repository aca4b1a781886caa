"""A database for one test: opened on a fresh URL, migrated to head (a service's) or given
its tables (a test's own), disposed after."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import MetaData

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


@asynccontextmanager
async def database_with(url: str, metadata: MetaData) -> AsyncIterator[Database]:
    """A database with a test's own tables, made from `metadata`."""
    database = Database(url)
    async with database.engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    try:
        yield database
    finally:
        await database.dispose()
