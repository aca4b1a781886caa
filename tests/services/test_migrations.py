"""Each service's Alembic history builds exactly its models, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from cli.commands import service_app
from cli.stack import SERVICES
from kit.db import Database
from kit.migrate import upgrade


@pytest.mark.parametrize("name", SERVICES)
async def test_migrations_match_the_models_and_can_run_twice(name: str, database_url: str):
    app = service_app(name)
    db = Database(database_url, schema=name)
    try:
        await upgrade(db, app.MIGRATIONS)
        await upgrade(db, app.MIGRATIONS)  # a second run is a no-op

        def diff(sync_conn):
            ctx = MigrationContext.configure(sync_conn, opts={"compare_type": False})
            return compare_metadata(ctx, app.METADATA)

        async with db.engine.connect() as conn:
            assert await conn.run_sync(diff) == []
            tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
        assert {"outbox", "inbox", "dead_letters", "alembic_version"} <= tables
        if db.schema is None:  # SQLite: enforcement, off while migrating, is back
            async with db.engine.connect() as conn:
                assert (await conn.exec_driver_sql("PRAGMA foreign_keys")).scalar() == 1
    finally:
        await db.dispose()
