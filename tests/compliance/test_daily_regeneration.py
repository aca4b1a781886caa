"""R6_1_2: the daily scan extends each unit's horizon once a month on the unit's own day
(a 28th of the units a day), catches up on missed days, and regenerates every unit
whose occurrences follow an older rule set; on both backends."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

import pytest
from sqlalchemy import func, insert, select, update

from kit.db import Database
from kit.ids import new_id
from services.compliance import app
from services.compliance.calendar import commands, domain
from services.compliance.models import Occurrence, Permit, UnitHorizon
from services.compliance.rules import ruleset
from tests.infra.databases import migrated_database

TODAY = date(2027, 3, 10)
FIRST_DAY = UUID(int=28 * 1000)  # slice 0: the 1st of each month
FIFTH_DAY = UUID(int=28 * 1000 + 4)  # slice 4: the 5th
FIFTH_DAY_TOO = UUID(int=28 * 2000 + 4)
UNITS = [FIRST_DAY, FIFTH_DAY, FIFTH_DAY_TOO]


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    async with migrated_database(database_url, "compliance", app.MIGRATIONS) as database:
        async with database.transaction() as s:
            await s.execute(insert(Permit), [permit(u, i) for i, u in enumerate(UNITS)])
        yield database


def permit(unit_id: UUID, i: int) -> dict[str, object]:
    return {
        "id": new_id(),
        "unit_id": unit_id,
        "agency_id": new_id(),
        "region_code": "440305",
        "number": f"REGEN{i:04d}",
        "authority": "深圳市生态环境局",
        "category": "key",
        "valid_from": date(2026, 1, 1),
        "valid_to": date(2030, 12, 31),
        "outlets": ["DW001"],
        "report_schedule": [{"frequency": "quarterly", "deadline": None}],
        "ruleset_version": ruleset().version,
        "created_at": datetime(2026, 1, 1, tzinfo=UTC),
        "created_by": "test",
    }


async def scan(db: Database, day: date) -> set[UUID]:
    return set(await commands.extend_horizons(db, day))


async def due_in(db: Database, unit_id: UUID, first: date, last: date) -> int:
    async with db.transaction() as s:
        query = select(func.count()).where(
            Occurrence.unit_id == unit_id, Occurrence.due_date.between(first, last)
        )
        return int((await s.execute(query)).scalar_one())


async def horizons(db: Database) -> dict[UUID, tuple[str, date, date]]:
    async with db.transaction() as s:
        rows = (await s.execute(select(UnitHorizon))).scalars()
        return {r.unit_id: (r.ruleset_version, r.generated_on, r.next_on) for r in rows}


def test_R6_1_2_a_units_day_of_the_month_follows_from_its_id() -> None:
    assert domain.next_regeneration(FIRST_DAY, TODAY) == date(2027, 4, 1)
    assert domain.next_regeneration(FIFTH_DAY, TODAY) == date(2027, 4, 5)
    assert domain.next_regeneration(FIFTH_DAY, date(2027, 12, 31)) == date(2028, 1, 5)
    days = {domain.next_regeneration(new_id(), TODAY).day for _ in range(2000)}
    assert days == set(range(1, 29))


async def test_R6_1_2_each_unit_is_regenerated_once_a_month_on_its_own_day(db: Database) -> None:
    version = ruleset().version
    assert await scan(db, TODAY) == set(UNITS)  # never generated: all of them
    assert await horizons(db) == {
        FIRST_DAY: (version, TODAY, date(2027, 4, 1)),
        FIFTH_DAY: (version, TODAY, date(2027, 4, 5)),
        FIFTH_DAY_TOO: (version, TODAY, date(2027, 4, 5)),
    }
    # The horizon ends with September 2028: the report on Q3 2028 is not there yet.
    october_2028 = (date(2028, 10, 1), date(2028, 10, 31))
    assert domain.horizon_end(TODAY) == date(2028, 9, 30)
    assert [await due_in(db, u, *october_2028) for u in UNITS] == [0, 0, 0]

    # The rest of March: nothing to regenerate, whatever the time of the scan.
    assert await scan(db, TODAY) == set()
    assert await scan(db, date(2027, 3, 31)) == set()

    # 1 April: only the first slice; its horizon now reaches October 2028.
    assert await scan(db, date(2027, 4, 1)) == {FIRST_DAY}
    assert [await due_in(db, u, *october_2028) for u in UNITS] == [1, 0, 0]
    assert (await horizons(db))[FIRST_DAY][2] == date(2027, 5, 1)

    # The service was down from the 2nd to the 6th: the 7th catches up on the 5th.
    assert await scan(db, date(2027, 4, 7)) == {FIFTH_DAY, FIFTH_DAY_TOO}
    assert [await due_in(db, u, *october_2028) for u in UNITS] == [1, 1, 1]
    assert await scan(db, date(2027, 4, 8)) == set()


async def test_R6_1_2_a_new_rule_set_regenerates_its_units_at_the_next_scan(
    db: Database,
) -> None:
    await scan(db, TODAY)
    async with db.transaction() as s:
        await s.execute(
            update(UnitHorizon)
            .where(UnitHorizon.unit_id == FIFTH_DAY)
            .values(ruleset_version="2025.1")
        )
    assert await scan(db, TODAY + timedelta(days=1)) == {FIFTH_DAY}
    assert (await horizons(db))[FIFTH_DAY][0] == ruleset().version
    assert await scan(db, TODAY + timedelta(days=1)) == set()


async def test_R6_1_2_the_daily_scan_regenerates_in_batches_of_their_own(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two batches for three units: each commits on its own, and together they do all.
    monkeypatch.setattr(commands, "REGENERATION_BATCH", 2)
    assert await commands.daily_scan(db, TODAY) == 0  # no events to publish
    assert set(await horizons(db)) == set(UNITS)
    assert [await due_in(db, u, TODAY, domain.horizon_end(TODAY)) > 0 for u in UNITS] == [
        True,
        True,
        True,
    ]
    assert await scan(db, TODAY) == set()
