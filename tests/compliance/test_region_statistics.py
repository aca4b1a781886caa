"""R3 / R7.1: overdue obligations per region, agency and unit (regionStatistics'
compliance part), exact counts on seeded occurrences, on both backends."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from uuid import UUID

import pytest

from contracts.core import Scope
from contracts.statistics import RegionStatisticsRequest, StatisticsGroup
from kit.db import Database
from kit.ids import new_id
from services.compliance import app
from services.compliance.models import Occurrence
from services.compliance.statistics.queries import obligation_statistics_on
from tests.infra.databases import migrated_database

TODAY = date(2027, 12, 1)
REGULATOR_44 = Scope(region_prefix="44")
A1 = new_id()
U1, U2, U3 = new_id(), new_id(), new_id()


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    async with migrated_database(database_url, "compliance", app.MIGRATIONS) as database:
        yield database


def occurrence(unit: UUID, agency: UUID | None, region: str, due: date, status: str) -> Occurrence:
    return Occurrence(
        id=new_id(),
        unit_id=unit,
        agency_id=agency,
        region_code=region,
        source_id=new_id(),
        kind="permit_report",
        rule_code="r",
        ruleset_version="1",
        title_zh="执行报告",
        title_en="report",
        period_label=str(new_id()),
        due_date=due,
        status=status,
        lead_days=[],
    )


@pytest.fixture
async def seeded(db: Database) -> Database:
    await seed(db)
    return db


async def seed(db: Database, today: date = TODAY) -> None:
    """Overdue on `today`: two in 440305 (agency A1), one in 440306 (no agency), one in
    110101; besides, one not yet due and one done."""
    day = today.toordinal()
    async with db.transaction() as s:
        s.add_all(
            [
                occurrence(U1, A1, "440305", ago(day, 275), "open"),  # overdue
                occurrence(U1, A1, "440305", ago(day, 30), "open"),  # overdue
                occurrence(U1, A1, "440305", ago(day, -14), "open"),  # not yet due
                occurrence(U1, A1, "440305", ago(day, 303), "done"),
                occurrence(U2, None, "440306", ago(day, 183), "open"),  # overdue, no agency
                occurrence(U3, A1, "110101", ago(day, 183), "open"),  # outside 44
            ]
        )


def ago(day: int, days: int) -> date:
    return date.fromordinal(day - days)


async def overdue(
    db: Database,
    scope: Scope = REGULATOR_44,
    prefix: str = "44",
    group_by: StatisticsGroup = StatisticsGroup.REGION,
    **window: date,
) -> dict[str, int]:
    req = RegionStatisticsRequest(scope=scope, region_prefix=prefix, group_by=group_by, **window)
    async with db.transaction() as s:
        reply = await obligation_statistics_on(s, req, TODAY)
    return {r.key: r.overdue_obligations for r in reply.rows}


async def test_R7_1_overdue_obligations_per_group(seeded: Database):
    assert await overdue(seeded) == {"440305": 2, "440306": 1}
    assert await overdue(seeded, group_by=StatisticsGroup.AGENCY) == {str(A1): 2, "": 1}
    assert await overdue(seeded, group_by=StatisticsGroup.UNIT) == {str(U1): 2, str(U2): 1}
    window = await overdue(seeded, from_date=date(2027, 5, 1), to_date=date(2027, 12, 31))
    assert window == {"440305": 1, "440306": 1}


async def test_R3_overdue_obligations_scoped(seeded: Database):
    assert await overdue(seeded, scope=Scope(region_prefix="4403"), prefix="11") == {}
    assert await overdue(seeded, scope=Scope(), prefix="") == {}
    assert await overdue(seeded, scope=Scope(agency_id=A1), prefix="") == {
        "110101": 1,
        "440305": 2,
    }
