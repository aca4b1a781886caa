"""The `notify` kit branch builds exactly the library's tables, only where a service
asked for it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from kit.db import Database
from kit.migrate import optional_branches, upgrade
from tests.kit.notify.conftest import SERVICE, service_metadata


async def test_the_notify_branch_matches_the_tables_and_can_run_twice(
    database_url: str, migrations: Path
):
    db = Database(database_url, schema=SERVICE)
    try:
        await upgrade(db, migrations)
        await upgrade(db, migrations)
        metadata, _ = service_metadata()

        def diff(sync_conn: Connection) -> list[Any]:
            ctx = MigrationContext.configure(sync_conn, opts={"compare_type": False})
            return list(compare_metadata(ctx, metadata))

        async with db.engine.connect() as conn:
            assert await conn.run_sync(diff) == []
            tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
        assert {
            "notify_notifications",
            "notify_deliveries",
            "notify_preferences",
            "notify_webhook_endpoints",
            "outbox",
        } <= tables
    finally:
        await db.dispose()


def test_a_service_that_did_not_opt_in_does_not_get_the_branch(tmp_path: Path):
    (tmp_path / "versions").mkdir()
    assert optional_branches(tmp_path) == []


def test_an_unknown_branch_name_is_refused(tmp_path: Path):
    (tmp_path / "kit_branches").write_text("notfy\n")
    with pytest.raises(ValueError, match="notfy"):
        optional_branches(tmp_path)
