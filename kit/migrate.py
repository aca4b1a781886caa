"""Apply a service's Alembic history to its database (PostgreSQL schema or SQLite file).

Each service has its own `migrations/` folder and version table, so services
migrate independently. `ecohost migrate` and `make run` call `upgrade` for each.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, text
from sqlalchemy.engine import Connection

from kit.db import Database


def alembic_config(migrations_dir: Path) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir))
    return cfg


async def upgrade(db: Database, migrations_dir: Path, revision: str = "head") -> None:
    """Bring the database to `revision`, creating the service's schema if needed."""
    async with db.engine.begin() as conn:
        if db.schema:
            await conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{db.schema}"'))

    def run(sync_conn: Connection) -> None:
        cfg = alembic_config(migrations_dir)
        cfg.attributes["connection"] = sync_conn
        cfg.attributes["schema"] = db.schema
        command.upgrade(cfg, revision)

    async with db.engine.begin() as conn:
        await conn.run_sync(run)


def run_migrations(target_metadata: MetaData) -> None:
    """Body of every service's `migrations/env.py` (online mode, given a connection)."""
    config = context.config
    connection: Connection | None = config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run migrations with `ecohost migrate`, which provides a connection")
    schema: str | None = config.attributes.get("schema")
    options: dict[str, Any] = {
        "connection": connection,
        "target_metadata": target_metadata,
        "render_as_batch": connection.dialect.name == "sqlite",
        "compare_type": True,
    }
    if schema:
        options["version_table_schema"] = schema
    context.configure(**options)
    with context.begin_transaction():
        context.run_migrations()
