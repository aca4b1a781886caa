"""R7.1 / R3: decided grades over time per region, agency and unit (regionStatistics'
evaluation part), exact counts on seeded scorecards, on both backends."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.core import Scope
from contracts.statistics import RegionStatisticsRequest, StatisticsGroup
from kit.db import Database
from kit.ids import new_id
from services.evaluation.models import EvaluationTemplate, Falsification, Scorecard
from services.evaluation.statistics.queries import grade_statistics
from services.evaluation.statistics.repository import rebuild_tally

NOW = datetime(2028, 1, 10, tzinfo=UTC)
REGULATOR_44 = Scope(region_prefix="44")
A1, A2 = new_id(), new_id()
U1, U2, U3, U4 = new_id(), new_id(), new_id(), new_id()
REGION = {U1: "440305", U2: "440305", U3: "440306", U4: "110101"}
AGENCY = {U1: A1, U2: A2, U3: A1, U4: A1}


def card(
    template: UUID,
    unit: UUID,
    year: int,
    grade: str | None,
    *,
    status: str = "finalized",
    kind: str = "binding",
    series: UUID | None = None,
    version: int = 1,
) -> Scorecard:
    return Scorecard(
        id=new_id(),
        series_id=series or new_id(),
        version=version,
        engagement_id=new_id(),
        unit_id=unit,
        agency_id=AGENCY[unit],
        region_code=REGION[unit],
        template_id=template,
        period_label=str(year),
        period_start=date(year, 1, 1),
        period_end=date(year, 12, 31),
        status=status,
        opened_by="t",
        opened_at=NOW,
        grade=grade,
        kind=kind,
    )


@pytest.fixture
async def seeded(db: Database) -> Database:
    await seed(db)
    return db


async def seed(db: Database) -> None:
    async with db.transaction() as s:
        await seed_cards(s)
        # Cards written around the commands: their counters are recounted, as a
        # migration's backfill would.
        await s.flush()
        await rebuild_tally(s)


async def seed_cards(s: AsyncSession) -> None:
    """Valid results: 440305 has 2026 优秀 (U1) and 合格 (U2, amended from 良好), 2027
    良好 (U1) and 合格 (U2); 440306 has 2027 不合格 (U3, falsified). Not counted: an open
    card, a self-assessment, a superseded version, a unit in 110101."""
    template = (await s.execute(select(EvaluationTemplate.id).limit(1))).scalar_one()
    amended = new_id()
    falsified = card(template, U3, 2027, "excellent")
    s.add_all(
        [
            card(template, U1, 2026, "excellent"),
            card(template, U1, 2027, "good"),
            card(template, U2, 2027, "qualified"),
            card(template, U2, 2027, None, status="open"),  # not decided
            card(template, U2, 2026, "good", series=amended),  # amended below
            card(template, U2, 2026, "qualified", series=amended, version=2),
            card(template, U1, 2027, "excellent", kind="self"),  # never a result
            falsified,  # falsified: counts as 不合格 (R7.2)
            card(template, U4, 2027, "excellent"),  # outside 44
        ]
    )
    await s.flush()
    s.add(
        Falsification(
            id=new_id(),
            scorecard_id=falsified.id,
            party="甲环保",
            finding="f",
            evidence=[],
            decided_by="reg",
            decided_at=NOW,
        )
    )


async def grades(
    db: Database,
    scope: Scope = REGULATOR_44,
    prefix: str = "44",
    group_by: StatisticsGroup = StatisticsGroup.REGION,
    **window: date,
) -> dict[str, list[Any]]:
    req = RegionStatisticsRequest(scope=scope, region_prefix=prefix, group_by=group_by, **window)
    async with db.transaction() as s:
        reply = await grade_statistics(s, req)
    return {r.key: [(g.year, g.grade.value, g.count) for g in r.grades] for r in reply.rows}


async def test_R7_1_grades_over_time_per_region(seeded: Database):
    assert await grades(seeded) == {
        "440305": [
            (2026, "excellent", 1),
            (2026, "qualified", 1),  # the amended card's valid version only
            (2027, "good", 1),
            (2027, "qualified", 1),
        ],
        "440306": [(2027, "unqualified", 1)],
    }


async def test_R7_1_grades_per_agency_and_unit(seeded: Database):
    agencies = await grades(seeded, group_by=StatisticsGroup.AGENCY)
    assert agencies == {
        str(A1): [(2026, "excellent", 1), (2027, "good", 1), (2027, "unqualified", 1)],
        str(A2): [(2026, "qualified", 1), (2027, "qualified", 1)],
    }
    units = await grades(seeded, group_by=StatisticsGroup.UNIT, from_date=date(2027, 1, 1))
    assert units == {
        str(U1): [(2027, "good", 1)],
        str(U2): [(2027, "qualified", 1)],
        str(U3): [(2027, "unqualified", 1)],
    }


async def test_R3_grades_scoped(seeded: Database):
    assert await grades(seeded, scope=Scope(region_prefix="4403"), prefix="11") == {}
    assert await grades(seeded, scope=Scope(), prefix="") == {}
    assert sorted(await grades(seeded, scope=Scope(region_prefix="440306"), prefix="44")) == [
        "440306"
    ]
    assert await grades(seeded, scope=Scope(agency_id=A2), prefix="") == {
        "440305": [(2026, "qualified", 1), (2027, "qualified", 1)]
    }
