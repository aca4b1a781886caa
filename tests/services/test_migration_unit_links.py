"""Engagement revision 0019 (the unit registry, issue 14 part 2) turns who could see a unit
before into links, on SQLite and PostgreSQL: every unit's registering agency and every
agency with an engagement for it gets one active link (one per pair, dated as the
earliest), a unit entered by no agency gets none, and the result is the schema a new
database gets. Existing data keeps working: the agencies see their units as before."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import JSON, Date, String, Uuid, column, insert, select, table
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection

from contracts.core import Scope
from kit.db import Database, UtcDateTime
from kit.migrate import upgrade
from services.engagement import app
from services.engagement.directory import repository

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)

# The tables as revision 0018 left them (only the columns these rows fill).
_UNIT = table(
    "unit",
    column("id", Uuid()),
    *(column(c, String()) for c in ("name", "uscc", "industry_code", "address", "region_code")),
    column("agency_id", Uuid()),
    column("created_at", UtcDateTime()),
    column("created_by", String()),
)
_ENGAGEMENT = table(
    "engagement",
    *(column(c, Uuid()) for c in ("id", "unit_id", "agency_id")),
    column("service_modes", JSON()),
    column("period_start", Date()),
    column("period_end", Date()),
    column("stage", String()),
    column("created_at", UtcDateTime()),
    column("created_by", String()),
    column("deliverables", JSON()),
)
_LINK = table(
    "unit_link",
    *(column(c, Uuid()) for c in ("unit_id", "agency_id")),
    *(column(c, String()) for c in ("status", "via")),
    column("since", UtcDateTime()),
    column("ended_at", UtcDateTime()),
)


async def _unit(conn: AsyncConnection, agency: UUID | None, at: datetime) -> UUID:
    unit = uuid4()
    await conn.execute(
        insert(_UNIT).values(
            id=unit,
            name="某化工有限公司",
            uscc=f"9144{unit.hex[:14]}".upper(),
            industry_code="C2614",
            address="深圳",
            region_code="440300",
            agency_id=agency,
            created_at=at,
            created_by="u1",
        )
    )
    return unit


async def _engagement(conn: AsyncConnection, unit: UUID, agency: UUID, at: datetime) -> None:
    await conn.execute(
        insert(_ENGAGEMENT).values(
            id=uuid4(),
            unit_id=unit,
            agency_id=agency,
            service_modes=["roving"],
            period_start=date(2026, 1, 1),
            period_end=date(2026, 12, 31),
            stage="implementation",
            created_at=at,
            created_by="u1",
            deliverables=[],
        )
    )


async def test_R3_every_registering_and_serving_agency_becomes_a_link(database_url: str):
    db = Database(database_url, schema="engagement")
    first, second, third = uuid4(), uuid4(), uuid4()
    later = NOW + timedelta(days=30)
    try:
        await upgrade(db, app.MIGRATIONS, "0018")
        async with db.engine.begin() as conn:
            # Entered by the first agency, which serves it twice; the second serves it too.
            shared = await _unit(conn, first, NOW)
            await _engagement(conn, shared, first, later)
            await _engagement(conn, shared, first, later + timedelta(days=1))
            await _engagement(conn, shared, second, later)
            # Entered by the third agency, never served; and one entered by no agency.
            entered = await _unit(conn, third, NOW)
            orphan = await _unit(conn, None, NOW)

        await upgrade(db, app.MIGRATIONS)

        async with db.engine.connect() as conn:
            rows = (await conn.execute(select(_LINK))).all()
            assert sorted(
                (r.unit_id, r.agency_id, r.status, r.via, r.since, r.ended_at) for r in rows
            ) == sorted(
                [
                    (shared, first, "active", "migration", NOW, None),
                    (shared, second, "active", "migration", later, None),
                    (entered, third, "active", "migration", NOW, None),
                ]
            )

            def diff(sync_conn: Connection) -> list[Any]:
                ctx = MigrationContext.configure(sync_conn, opts={"compare_type": False})
                return list(compare_metadata(ctx, app.METADATA))

            assert await conn.run_sync(diff) == []

        # The agencies see and may work on their units as before; the orphan is no one's.
        async with db.transaction() as session:
            for agency, expected in ((first, {shared}), (second, {shared}), (third, {entered})):
                ids = [shared, entered, orphan]
                scope = Scope(agency_id=agency)
                assert set(await repository.units_by_ids(session, ids, scope)) == expected
                assert set(await repository.writable_units(session, ids, scope)) == expected
    finally:
        await db.dispose()
