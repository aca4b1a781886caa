"""Databases that already exist upgrade to today's head, on SQLite and PostgreSQL.

`HEADS_BEFORE_KIT_BRANCH` are the heads of the three histories before kit's
`messaging` branch existed: a database at one of them records only that revision,
and its messaging tables were made by the service's own revisions. Upgrading it must
neither run the branch's steps again nor lose a row, and must end with the schema a
new database gets. A messaging step added to kit later must reach every service.
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    insert,
    inspect,
    select,
    text,
)
from sqlalchemy import Uuid as UuidType
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncConnection

import kit.migrate
from cli.commands import service_app
from cli.stack import SERVICES
from kit.db import Database, UtcDateTime, is_sqlite
from kit.messaging import messaging_tables
from kit.migrate import upgrade

HEADS_BEFORE_KIT_BRANCH = {"engagement": "0008", "evaluation": "0005", "archive": "0005"}

NOW = datetime(2026, 11, 29, 8, 30, tzinfo=UTC)
TRACE = json.dumps({"traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"})

# Tables as the heads before the branch left them (only the columns these tests fill).
_before = MetaData()
_MESSAGING = messaging_tables(_before)
_UNIT = Table(
    "unit",
    _before,
    *(Column(c, String) for c in ("name", "uscc", "industry_code", "address", "region_code")),
    Column("id", UuidType, primary_key=True),
    Column("created_at", UtcDateTime),
    Column("created_by", String),
)
_ENGAGEMENT = Table(
    "engagement",
    _before,
    Column("id", UuidType, primary_key=True),
    Column("unit_id", UuidType),
    Column("agency_id", UuidType),
    Column("service_modes", JSON),
    Column("period_start", Date),
    Column("period_end", Date),
    Column("status", String),
    Column("created_at", UtcDateTime),
    Column("created_by", String),
)
_TEAM_MEMBER = Table(
    "team_member",
    _before,
    Column("id", UuidType, primary_key=True),
    Column("engagement_id", UuidType),
    Column("person_id", UuidType),
    Column("name", String),
    Column("role", String),
)
_ARCHIVE_ITEM = Table(
    "archive_item",
    _before,
    Column("id", UuidType, primary_key=True),
    Column("series_id", UuidType),
    *(Column(c, UuidType) for c in ("engagement_id", "agency_id", "unit_id")),
    *(Column(c, String) for c in ("category", "title", "filename", "content_type")),
    *(Column(c, String) for c in ("sha256", "object_key", "retention", "status", "created_by")),
    Column("size", Integer),
    Column("version", Integer),
    Column("level", SmallInteger),
    Column("document_date", Date),
    Column("metadata", JSON),
    Column("handed_over", Boolean),
    Column("created_at", UtcDateTime),
)
_BORROW_REQUEST = Table(
    "borrow_request",
    _before,
    Column("id", UuidType, primary_key=True),
    Column("item_id", UuidType),
    *(Column(c, String) for c in ("requested_by", "requester_tenant", "purpose", "status")),
    Column("decision_note", String),
    Column("copy_requested", Boolean),
    Column("copy_approved", Boolean),
    Column("days", Integer),
    Column("created_at", UtcDateTime),
)


async def _versions(conn: AsyncConnection) -> set[str]:
    return set((await conn.execute(text("SELECT version_num FROM alembic_version"))).scalars())


def _shape(sync_conn: Connection) -> dict[str, Any]:
    """Tables, columns, keys and indexes as the database reports them."""
    found = inspect(sync_conn)

    def listed(items: list[Any]) -> list[str]:
        return sorted(json.dumps(i, sort_keys=True, default=str) for i in items)

    shape: dict[str, Any] = {}
    for table in found.get_table_names():
        if table == "alembic_version":
            continue
        foreign_keys = [
            {k: v for k, v in fk.items() if k != "referred_schema"}
            for fk in found.get_foreign_keys(table)
        ]
        shape[table] = {
            "columns": [
                (c["name"], str(c["type"]), c["nullable"], str(c.get("default")))
                for c in found.get_columns(table)
            ],
            "primary_key": found.get_pk_constraint(table)["constrained_columns"],
            "foreign_keys": listed(foreign_keys),
            "indexes": listed(found.get_indexes(table)),
            "unique": listed(found.get_unique_constraints(table)),
        }
    return shape


def _beside(database_url: str, name: str) -> Database:
    """Another empty database of the same backend: a sibling SQLite file or schema."""
    if is_sqlite(database_url):
        url = make_url(database_url)
        fresh = url.set(database=str(Path(url.database or "").with_name("fresh.db")))
        return Database(fresh.render_as_string(hide_password=False))
    return Database(database_url, schema=f"{name}_fresh")


async def _fill(conn: AsyncConnection, name: str) -> dict[str, UUID]:
    """Rows as the previous heads wrote them; returns the ids the checks look up."""
    ids = {"event": uuid4(), "engagement": uuid4(), "unsorted": uuid4(), "versioned": uuid4()}
    await conn.execute(
        insert(_MESSAGING.outbox).values(
            event_id=ids["event"],
            subject=f"{name}.thing_happened.v1",
            payload="{}",
            correlation_id="req-1",
            created_at=NOW,
            attempts=0,
            trace_context=TRACE,
        )
    )
    await conn.execute(
        insert(_MESSAGING.inbox).values(
            consumer=name, event_id=ids["event"], event_type="x.v1", processed_at=NOW
        )
    )
    await conn.execute(
        insert(_MESSAGING.dead_letters).values(
            consumer=name,
            event_id=ids["event"],
            subject="x",
            payload="{}",
            error="boom",
            deliveries=5,
            failed_at=NOW,
        )
    )
    if name == "engagement":
        unit = uuid4()
        await conn.execute(
            insert(_UNIT).values(
                id=unit,
                name="某化工有限公司",
                uscc="91320000000000000X",
                industry_code="C2614",
                address="江苏",
                region_code="320000",
                created_at=NOW,
                created_by="u1",
            )
        )
        await conn.execute(
            insert(_ENGAGEMENT).values(
                id=ids["engagement"],
                unit_id=unit,
                agency_id=uuid4(),
                service_modes=["onsite"],
                period_start=date(2026, 1, 1),
                period_end=date(2026, 12, 31),
                status="implementation",
                created_at=NOW,
                created_by="u1",
            )
        )
        await conn.execute(
            insert(_TEAM_MEMBER).values(
                id=uuid4(),
                engagement_id=ids["engagement"],
                person_id=uuid4(),
                name="张工",
                role="engineer",
            )
        )
    if name == "archive":
        # A row written without a series, and version 2 of a series.
        for item, series, version in (
            (ids["unsorted"], None, 1),
            (ids["versioned"], ids["unsorted"], 2),
        ):
            await conn.execute(
                insert(_ARCHIVE_ITEM).values(
                    id=item,
                    series_id=series,
                    engagement_id=ids["engagement"],
                    agency_id=uuid4(),
                    unit_id=uuid4(),
                    category="plan",
                    title="实施方案",
                    filename="plan.pdf",
                    content_type="application/pdf",
                    sha256="0" * 64,
                    object_key=f"items/{item}",
                    retention="permanent",
                    status="filed",
                    created_by="u1",
                    size=3,
                    version=version,
                    level=1,
                    document_date=date(2026, 2, 1),
                    metadata={},
                    handed_over=False,
                    created_at=NOW,
                )
            )
        # A row in another table that references the item: the item's table is rebuilt
        # on SQLite, and the reference must survive that.
        await conn.execute(
            insert(_BORROW_REQUEST).values(
                id=uuid4(),
                item_id=ids["unsorted"],
                requested_by="u2",
                requester_tenant="unit:1",
                purpose="audit",
                status="pending",
                decision_note="",
                copy_requested=False,
                copy_approved=False,
                days=7,
                created_at=NOW,
            )
        )
    return ids


async def _check_rows(conn: AsyncConnection, name: str, ids: dict[str, UUID]) -> None:
    outbox = (await conn.execute(text("SELECT subject, trace_context FROM outbox"))).one()
    assert tuple(outbox) == (f"{name}.thing_happened.v1", TRACE)
    assert (await conn.execute(text("SELECT count(*) FROM inbox"))).scalar() == 1
    assert (await conn.execute(text("SELECT error FROM dead_letters"))).scalar() == "boom"
    if name == "engagement":
        stage = (await conn.execute(text("SELECT stage FROM engagement"))).scalar()
        assert stage == "implementation"
        assert (await conn.execute(text("SELECT count(*) FROM team_member"))).scalar() == 1
    if name == "archive":
        item = _ARCHIVE_ITEM.c
        rows = {r.id: r.series_id for r in await conn.execute(select(item.id, item.series_id))}
        assert rows == {ids["unsorted"]: ids["unsorted"], ids["versioned"]: ids["unsorted"]}
        borrowed = (await conn.execute(select(_BORROW_REQUEST.c.item_id))).scalar()
        assert borrowed == ids["unsorted"]


# Services that existed before the kit branch (a later service starts on it).
@pytest.mark.parametrize("name", [s for s in SERVICES if s in HEADS_BEFORE_KIT_BRANCH])
async def test_a_database_at_the_heads_before_the_kit_branch_upgrades_with_its_rows(
    name: str, database_url: str
):
    app = service_app(name)
    db = Database(database_url, schema=name)
    fresh = _beside(database_url, name)
    try:
        await upgrade(db, app.MIGRATIONS, HEADS_BEFORE_KIT_BRANCH[name])
        async with db.engine.begin() as conn:
            # What those heads recorded: their own revision, nothing of the branch.
            assert await _versions(conn) == {HEADS_BEFORE_KIT_BRANCH[name]}
            ids = await _fill(conn, name)

        await upgrade(db, app.MIGRATIONS)
        await upgrade(fresh, app.MIGRATIONS)

        def diff(sync_conn):
            ctx = MigrationContext.configure(sync_conn, opts={"compare_type": False})
            return compare_metadata(ctx, app.METADATA)

        async with db.engine.connect() as conn, fresh.engine.connect() as new:
            assert await conn.run_sync(diff) == []
            assert await conn.run_sync(_shape) == await new.run_sync(_shape)
            assert await _versions(conn) == await _versions(new)
            await _check_rows(conn, name, ids)
    finally:
        await db.dispose()
        await fresh.dispose()


_PROBE_STEP = '''"""A later messaging step (test only)"""

revision = "messaging_probe"
down_revision = "{down}"
branch_labels = None
depends_on = None

import sqlalchemy as sa
from alembic import op


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch_op:
        batch_op.add_column(sa.Column("probe", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch_op:
        batch_op.drop_column("probe")
'''


@pytest.mark.parametrize("name", SERVICES)
async def test_a_messaging_step_written_once_in_kit_reaches_every_service(
    name: str, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    app = service_app(name)
    db = Database(database_url, schema=name)
    try:
        await upgrade(db, app.MIGRATIONS)
        steps = tmp_path / "messaging"
        shutil.copytree(kit.migrate.MESSAGING_STEPS, steps)
        history = ScriptDirectory.from_config(kit.migrate.alembic_config(app.MIGRATIONS))
        branch_head = history.get_revision("messaging@head")
        assert branch_head is not None
        (steps / "9999_probe.py").write_text(_PROBE_STEP.format(down=branch_head.revision))
        monkeypatch.setattr(kit.migrate, "MESSAGING_STEPS", steps)

        await upgrade(db, app.MIGRATIONS)
        await upgrade(db, app.MIGRATIONS)  # and only once

        async with db.engine.connect() as conn:
            columns = await conn.run_sync(
                lambda c: [col["name"] for col in inspect(c).get_columns("outbox")]
            )
            assert "probe" in columns
            assert "messaging_probe" in await _versions(conn)
    finally:
        await db.dispose()
