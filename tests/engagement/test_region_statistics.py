"""R3 / R7.1: the region statistics of the engagement service, exact figures on a seeded
region (tests/engagement/region_world.py), on both backends."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from contracts.core import Scope
from contracts.statistics import RegionStatisticsRequest, StatisticsGroup
from kit.db import Database
from services.engagement.statistics.queries import statistics_on
from tests.engagement import region_world as w

REGULATOR_44 = Scope(region_prefix="44")


async def rows(
    db: Database,
    scope: Scope = REGULATOR_44,
    prefix: str = "44",
    group_by: StatisticsGroup = StatisticsGroup.REGION,
    **window: date,
) -> dict[str, dict[str, Any]]:
    req = RegionStatisticsRequest(scope=scope, region_prefix=prefix, group_by=group_by, **window)
    async with db.transaction() as s:
        reply = await statistics_on(s, req, w.TODAY)
    return {r.key: r.model_dump(mode="json") for r in reply.rows}


@pytest.fixture
async def seeded(db: Database) -> Database:
    await w.seed(db)
    return db


async def test_R7_1_figures_per_region(seeded: Database):
    found = await rows(seeded)
    assert sorted(found) == ["440305", "440306"]  # 110101 lies outside 44
    assert found["440305"] == {
        "key": "440305",
        "label": "440305",
        "engagements": 2,
        "by_stage": [
            {"stage": "preparation", "count": 1},
            {"stage": "implementation", "count": 1},
        ],
        "by_mode": [
            {"mode": "fixed_resident", "count": 1},
            {"mode": "roving", "count": 1},
            {"mode": "remote_monitoring", "count": 1},
        ],
        "overdue_time_nodes": 2,
        "rectifications_raised": 4,
        "rectifications_closed": 2,
        "days_to_close_sum": 14,
        "recurring_problems": 1,
        "recurring_rectifications": 2,
        "emergencies": 2,
        "emergencies_in_time": 1,
        "response_minutes_sum": "120.000",
        "complaints": 2,
        "complaints_verified": 1,
        "penalties": 1,
        "penalty_amount": "10000.50",
    }
    assert found["440306"] == {
        "key": "440306",
        "label": "440306",
        "engagements": 1,
        "by_stage": [{"stage": "closed", "count": 1}],
        "by_mode": [{"mode": "roving", "count": 1}],
        "overdue_time_nodes": 0,
        "rectifications_raised": 1,
        "rectifications_closed": 1,
        "days_to_close_sum": 30,
        "recurring_problems": 0,
        "recurring_rectifications": 0,
        "emergencies": 0,
        "emergencies_in_time": 0,
        "response_minutes_sum": "0.000",
        "complaints": 0,
        "complaints_verified": 0,
        "penalties": 1,
        "penalty_amount": "2000.00",
    }


async def test_R7_1_drill_down_to_agency_and_unit(seeded: Database):
    agencies = await rows(seeded, group_by=StatisticsGroup.AGENCY)
    assert {k: (r["label"], r["engagements"]) for k, r in agencies.items()} == {
        str(w.A1): ("甲环保", 2),
        str(w.A2): ("=乙环保", 1),
    }
    assert agencies[str(w.A1)]["rectifications_closed"] == 3
    assert agencies[str(w.A1)]["days_to_close_sum"] == 44
    assert agencies[str(w.A2)]["overdue_time_nodes"] == 1
    units = await rows(seeded, group_by=StatisticsGroup.UNIT)
    assert {k: r["label"] for k, r in units.items()} == {
        str(w.U1): "一号厂",
        str(w.U2): "二号厂",
        str(w.U3): "三号厂",
    }
    assert units[str(w.U1)]["recurring_problems"] == 1
    assert units[str(w.U2)]["recurring_problems"] == 0
    assert units[str(w.U1)]["penalty_amount"] == "10000.50"


async def test_R7_1_window_keeps_what_happened_in_it(seeded: Database):
    found = await rows(seeded, from_date=date(2027, 1, 1), to_date=date(2027, 12, 31))
    assert sorted(found) == ["440305"]  # the 2026 engagement, its rectification and penalty
    assert found["440305"]["rectifications_raised"] == 4
    spring = await rows(seeded, from_date=date(2027, 3, 1), to_date=date(2027, 3, 31))
    assert spring["440305"]["emergencies"] == 1
    assert spring["440305"]["response_minutes_sum"] == "30.000"
    assert spring["440305"]["overdue_time_nodes"] == 1
    assert spring["440305"]["rectifications_raised"] == 0


async def test_R3_scoped_by_the_callers_region_and_agency(seeded: Database):
    narrower = await rows(seeded, scope=Scope(region_prefix="4403"), prefix="440306")
    assert sorted(narrower) == ["440306"]
    # The request's prefix cannot widen the scope: a 4403 regulator asking for 11 sees none.
    assert await rows(seeded, scope=Scope(region_prefix="4403"), prefix="11") == {}
    assert await rows(seeded, scope=Scope(), prefix="") == {}
    agency = await rows(seeded, scope=Scope(agency_id=w.A2), prefix="")
    assert sorted(agency) == ["440305"]
    assert agency["440305"]["engagements"] == 1
    assert agency["440305"]["complaints"] == 1
    assert agency["440305"]["penalties"] == 0
