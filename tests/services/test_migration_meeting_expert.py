"""Engagement revision 0010 creates `meeting_expert` and backfills it from the meetings
already recorded (issue 11, item 7), on SQLite and PostgreSQL: every invited expert of a
consultation or seminar gets its row, nothing else does, and the result is the schema a
new database gets."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID, uuid4

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import JSON, Date, String, Uuid, column, insert, select, table
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection

from kit.db import Database, UtcDateTime
from kit.migrate import upgrade
from services.engagement import app

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


# The tables as revision 0009 left them (only the columns these rows fill).
_UNIT = table(
    "unit",
    column("id", Uuid()),
    *(column(c, String()) for c in ("name", "uscc", "industry_code", "address", "region_code")),
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
_SERVICE_RECORD = table(
    "service_record",
    *(column(c, Uuid()) for c in ("id", "engagement_id")),
    column("kind", String()),
    column("occurred_on", Date()),
    column("details", JSON()),
    column("recorded_by", String()),
    column("recorded_at", UtcDateTime()),
)
_MEETING_EXPERT = table(
    "meeting_expert",
    column("expert_id", String()),
    *(column(c, Uuid()) for c in ("engagement_id", "record_id")),
)


async def _record(
    conn: AsyncConnection, engagement: UUID, kind: str, details: dict[str, Any]
) -> UUID:
    record = uuid4()
    await conn.execute(
        insert(_SERVICE_RECORD).values(
            id=record,
            engagement_id=engagement,
            kind=kind,
            occurred_on=date(2026, 6, 1),
            details=details,
            recorded_by="pm",
            recorded_at=NOW,
        )
    )
    return record


async def _engagement(conn: AsyncConnection) -> UUID:
    unit, engagement = uuid4(), uuid4()
    await conn.execute(
        insert(_UNIT).values(
            id=unit,
            name="某化工有限公司",
            uscc=f"9132{unit.hex[:14]}".upper(),
            industry_code="C2614",
            address="江苏",
            region_code="320000",
            created_at=NOW,
            created_by="u1",
        )
    )
    await conn.execute(
        insert(_ENGAGEMENT).values(
            id=engagement,
            unit_id=unit,
            agency_id=uuid4(),
            service_modes=["onsite"],
            period_start=date(2026, 1, 1),
            period_end=date(2026, 12, 31),
            stage="implementation",
            created_at=NOW,
            created_by="u1",
            deliverables=[],
        )
    )
    return engagement


async def test_the_meeting_expert_index_is_backfilled_from_the_recorded_meetings(
    database_url: str,
):
    db = Database(database_url, schema="engagement")
    try:
        await upgrade(db, app.MIGRATIONS, "0009")
        async with db.engine.begin() as conn:
            first, second = await _engagement(conn), await _engagement(conn)
            consultation = await _record(
                conn, first, "expert_consultation", {"expert_ids": ["e1", "e10", "e1"]}
            )
            seminar = await _record(conn, second, "technical_seminar", {"expert_ids": ["e1"]})
            # Meetings recorded before expert ids existed, or with none; other kinds.
            await _record(conn, first, "expert_consultation", {"experts": ["张教授"]})
            await _record(conn, first, "technical_seminar", {"expert_ids": []})
            await _record(conn, first, "site_survey", {"expert_ids": ["e1"]})

        await upgrade(db, app.MIGRATIONS)

        async with db.engine.connect() as conn:
            rows = (await conn.execute(select(_MEETING_EXPERT))).all()
            assert sorted((r.expert_id, r.engagement_id, r.record_id) for r in rows) == sorted(
                [
                    ("e1", first, consultation),
                    ("e10", first, consultation),
                    ("e1", second, seminar),
                ]
            )

            def diff(sync_conn: Connection) -> list[Any]:
                ctx = MigrationContext.configure(sync_conn, opts={"compare_type": False})
                return list(compare_metadata(ctx, app.METADATA))

            assert await conn.run_sync(diff) == []
    finally:
        await db.dispose()
