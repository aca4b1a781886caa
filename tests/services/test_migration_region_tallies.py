"""Evaluation revision 0010 (`grade_tally`) and engagement revisions 0021
(`engagement_tally`) and 0022 (`open_item_tally`) backfill the region statistics'
counters from the rows already there, on SQLite and PostgreSQL: the counters equal the
GROUP BY over the rows (the oracle) and the services' own rebuild, and the schema is
the one a new database gets."""

from __future__ import annotations

from datetime import date
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, text
from sqlalchemy.engine import Connection

from kit.db import Database
from kit.migrate import alembic_config, upgrade
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


async def _downgrade(db: Database, migrations: Any, revision: str) -> None:
    async with db.engine.begin() as conn:

        def run(sync_conn: Connection) -> None:
            cfg = alembic_config(migrations)
            cfg.attributes["connection"] = sync_conn
            cfg.attributes["schema"] = db.schema
            command.downgrade(cfg, revision)

        await conn.run_sync(run)


async def test_the_counters_slots_are_summed_on_the_way_down_and_slot_0_on_the_way_up(
    database_url: str,
):
    """Engagement revision 0024 splits the counters into slots (kit/counters.py); going
    back to 0023 leaves one row per counter holding the sum of its slots, and going up
    again puts that row in slot 0."""
    db = Database(database_url, schema="engagement")
    y2027 = (date(2027, 1, 1), date(2027, 12, 31))
    try:
        await upgrade(db, engagement_app.MIGRATIONS)
        async with db.transaction() as s:
            for region, slot, n in (("440305", 0, 2), ("440305", 3, -1), ("110101", 5, 4)):
                await s.execute(
                    text(
                        "INSERT INTO engagement_tally (region_code, period_start, period_end, "
                        "figure, value, slot, n) VALUES (:r, :start, :end, 'stage', "
                        "'preparation', :slot, :n)"
                    ),
                    {"r": region, "start": y2027[0], "end": y2027[1], "slot": slot, "n": n},
                )
        expected = {
            ("440305", *y2027, "stage", "preparation"): 1,
            ("110101", *y2027, "stage", "preparation"): 4,
        }

        await _downgrade(db, engagement_app.MIGRATIONS, "0023")

        async with db.transaction() as s:
            rows = await s.execute(
                text("SELECT region_code, n FROM engagement_tally ORDER BY region_code")
            )
            assert rows.all() == [("110101", 4), ("440305", 1)]

        await upgrade(db, engagement_app.MIGRATIONS)

        assert await engagement_tally.counters(db) == expected
        async with db.transaction() as s:
            assert (await s.execute(text("SELECT DISTINCT slot FROM engagement_tally"))).all() == [
                (0,)
            ]
        assert await _schema_diff(db, engagement_app.METADATA) == []
    finally:
        await db.dispose()
