"""Apply a service's Alembic history to its database (PostgreSQL schema or SQLite file).

Each service has its own `migrations/` folder and version table, so services
migrate independently. `ecohost migrate` and `make run` call `upgrade` for each.

The outbox, inbox and dead-letter tables (`kit.messaging`) are the same in every
service, so their steps live once, in `kit/migrations/`: an Alembic branch labelled
`messaging` that Alembic reads beside each service's own versions. Every service's
first revision `depends_on` the branch's first step, and a service revision that
existing databases already record marks each later step as applied there (see the
services' `outbox_trace_context` revisions). A new messaging step is one file in
`kit/migrations/` that `upgrade` applies to every service's database: the branch is
a head of its own, hence "heads". A branch is preferred over step functions that
each service's revisions call, because those would need one revision per service
for every messaging change, and one forgotten would leave that service behind.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection

from kit.db import Database

MESSAGING_STEPS = Path(__file__).parent / "migrations"

# Kit branches a service takes only if it asks: their steps live in a folder of
# `kit/migrations/` named after the branch, and a service names the ones it wants,
# one a line, in `<its migrations>/kit_branches` (e.g. `notify`, for `kit.notify`).
OPTIONAL_BRANCHES_FILE = "kit_branches"


def optional_branches(migrations_dir: Path) -> list[Path]:
    """The step folders of the optional kit branches the service opted into."""
    listed = migrations_dir / OPTIONAL_BRANCHES_FILE
    if not listed.exists():
        return []
    folders = []
    for line in listed.read_text().splitlines():
        name = line.split("#", 1)[0].strip()
        if not name:
            continue
        folder = MESSAGING_STEPS / name
        if not folder.is_dir():
            raise ValueError(f"{listed}: no kit migration branch {name!r}")
        folders.append(folder)
    return folders


def alembic_config(migrations_dir: Path) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir))
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option(
        "version_locations",
        os.pathsep.join(
            [
                str(migrations_dir / "versions"),
                str(MESSAGING_STEPS),
                *map(str, optional_branches(migrations_dir)),
            ]
        ),
    )
    return cfg


async def upgrade(db: Database, migrations_dir: Path, revision: str = "heads") -> None:
    """Bring the database to `revision` (by default the heads of the service's history
    and of the messaging branch), creating the service's schema if needed."""
    async with db.engine.begin() as conn:
        if db.schema:
            await conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{db.schema}"'))

    def run(sync_conn: Connection) -> None:
        cfg = alembic_config(migrations_dir)
        cfg.attributes["connection"] = sync_conn
        cfg.attributes["schema"] = db.schema
        command.upgrade(cfg, revision)

    async with db.engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            await _sqlite_foreign_keys(conn, enforced=False)
        try:
            async with conn.begin():
                await conn.run_sync(run)
                if sqlite:
                    await _no_broken_references(conn)
        finally:
            if sqlite:
                await _sqlite_foreign_keys(conn, enforced=True)


async def _sqlite_foreign_keys(conn: AsyncConnection, *, enforced: bool) -> None:
    """SQLite changes a table's shape by copying it to a new table and dropping the old
    one (Alembic's batch mode); with foreign keys enforced, dropping a table that other
    rows reference fails. The pragma only takes effect outside a transaction."""
    await conn.exec_driver_sql(f"PRAGMA foreign_keys={'ON' if enforced else 'OFF'}")
    await conn.commit()


async def _no_broken_references(conn: AsyncConnection) -> None:
    """What enforcement would have refused while it was off: fail, and roll back."""
    broken = (await conn.exec_driver_sql("PRAGMA foreign_key_check")).all()
    if broken:
        raise RuntimeError(f"migrations left rows referencing missing rows: {broken[:5]}")


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
