"""Evaluation revision 0010 (`grade_tally`) and engagement revisions 0021
(`engagement_tally`) and 0022 (`open_item_tally`) backfill the region statistics'
counters from the rows already there, on SQLite and PostgreSQL: the counters equal the
GROUP BY over the rows (the oracle) and the services' own rebuild, and the schema is
the one a new database gets."""

from __future__ import annotations

from datetime import date
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData
from sqlalchemy.engine import Connection

from kit.db import Database
from kit.migrate import upgrade
from services.engagement import app as engagement_app
from services.evaluation import app as evaluation_app
from tests.engagement import region_world
from tests.engagement import test_engagement_tally as engagement_tally
from tests.evaluation import test_grade_statistics as seeded_cards
from tests.evaluation import test_grade_tally as grade_tally


async def _schema_diff(db: Database, metadata: MetaData) -> list[Any]:
    async with db.engine.connect() as conn:

        def diff(sync_conn: Connection) -> list[Any]:
            ctx = MigrationContext.configure(sync_conn, opts={"compare_type": False})
            return list(compare_metadata(ctx, metadata))

        return await conn.run_sync(diff)


async def test_the_grade_counters_are_backfilled_from_the_decided_cards(database_url: str):
    db = Database(database_url, schema="evaluation")
    try:
        await upgrade(db, evaluation_app.MIGRATIONS, "0010")
        async with db.transaction() as s:
            await seeded_cards.seed_cards(s)

        await upgrade(db, evaluation_app.MIGRATIONS)

        y2026, y2027 = (
            (date(2026, 1, 1), date(2026, 12, 31)),
            (date(2027, 1, 1), date(2027, 12, 31)),
        )
        assert await grade_tally.counters(db) == {
            ("440305", "2026", *y2026, "excellent"): 1,
            ("440305", "2026", *y2026, "qualified"): 1,  # the amendment, not the first version
            ("440305", "2027", *y2027, "good"): 1,
            ("440305", "2027", *y2027, "qualified"): 1,
            ("440306", "2027", *y2027, "unqualified"): 1,  # falsified
            ("110101", "2027", *y2027, "excellent"): 1,
        }
        await grade_tally.assert_counters_equal_the_oracle(db)  # and the rebuild's rows
        assert await _schema_diff(db, evaluation_app.METADATA) == []
    finally:
        await db.dispose()


async def test_the_engagement_counters_are_backfilled_from_the_engagements(database_url: str):
    db = Database(database_url, schema="engagement")
    try:
        await upgrade(db, engagement_app.MIGRATIONS, "0021")
        await region_world.seed(db, counters=False)

        await upgrade(db, engagement_app.MIGRATIONS)

        y2026, y2027 = (
            (date(2026, 1, 1), date(2026, 12, 31)),
            (date(2027, 1, 1), date(2027, 12, 31)),
        )
        assert await engagement_tally.counters(db) == {
            ("440305", *y2027, "stage", "implementation"): 1,
            ("440305", *y2027, "stage", "preparation"): 1,
            ("440305", *y2027, "mode", "fixed_resident"): 1,
            ("440305", *y2027, "mode", "remote_monitoring"): 1,
            ("440305", *y2027, "mode", "roving"): 1,
            ("440306", *y2026, "stage", "closed"): 1,
            ("440306", *y2026, "mode", "roving"): 1,
            ("110101", *y2027, "stage", "implementation"): 1,
            ("110101", *y2027, "mode", "roving"): 1,
        }
        assert await engagement_tally.item_counters(db) == {
            ("440305", date(2027, 3, 1)): 1,  # voided and done items do not count
            ("440305", date(2027, 6, 1)): 1,
            ("440305", date(2027, 12, 20)): 1,
            ("110101", date(2027, 3, 1)): 1,
        }
        await engagement_tally.assert_counters_equal_the_oracle(db)
        assert await _schema_diff(db, engagement_app.METADATA) == []
    finally:
        await db.dispose()
