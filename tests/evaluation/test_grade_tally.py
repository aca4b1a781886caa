"""R7.1 / R7.2: the counters of valid results (grade_tally) that a regulator's
gradeDistribution and regionStatistics sum equal the GROUP BY over the cards (the
oracle, kept in statistics/repository.py) after a realistic sequence through the
commands — finalise, amend and finalise the amendment, falsify a decided and an open
card, a card whose unit's region arrives after it — on both backends; two transactions
bumping one counter both land; two finalisations of one card count it once."""

from __future__ import annotations

import asyncio
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from contracts.core import Scope
from contracts.evaluation import rpc as ev
from contracts.statistics import RegionStatisticsRequest
from kit.db import Database, is_sqlite
from services.evaluation import queries
from services.evaluation import repository as evaluation_repository
from services.evaluation.commands import intake, scorecards, scoring
from services.evaluation.models import GradeTally
from services.evaluation.statistics import repository
from services.evaluation.statistics.queries import grade_statistics
from tests.evaluation.conftest import Engagement
from tests.evaluation.scoring_steps import call, finalised_card, open_card, score_all
from tests.infra.counters import summed

PREFIXES = ["44", "4403", "440305", "440306", "11", "9"]
WINDOWS: list[dict[str, date]] = [
    {},
    {"from_date": date(2027, 6, 1)},
    {"to_date": date(2026, 12, 31)},
    {"from_date": date(2027, 1, 1), "to_date": date(2027, 12, 31)},
]


async def counters(db: Database) -> dict[tuple[Any, ...], int]:
    """Every counter that is not 0, its slots summed."""
    t = GradeTally
    return await summed(db, t.region_code, t.period_label, t.period_start, t.period_end, t.grade)


async def assert_counters_equal_the_oracle(db: Database) -> None:
    """Every regulator read from the counters equals the GROUP BY over the cards, and
    the counters kept on write equal the counters rebuilt from the cards."""
    async with db.transaction() as s:
        for prefix in PREFIXES:
            scope = Scope(region_prefix=prefix)
            for label in (None, "2027", "2026"):
                assert await repository.tallied_grade_counts(
                    s, scope, label
                ) == await evaluation_repository.grade_counts(s, scope, label), (prefix, label)
            for wanted in ("", "44", "440306"):
                for window in WINDOWS:
                    req = RegionStatisticsRequest(scope=scope, region_prefix=wanted, **window)
                    assert await repository.tallied_grades_by_year(
                        s, req
                    ) == await repository.grades_by_year(s, req), (prefix, wanted, window)
    kept = await counters(db)
    async with db.transaction() as s:
        await repository.rebuild_tally(s)
    assert await counters(db) == kept


async def distribution(db: Database, prefix: str, label: str | None = None) -> dict[str, int]:
    async with db.transaction() as s:
        reply = await queries.grade_distribution(
            s, ev.GradeDistributionRequest(scope=Scope(region_prefix=prefix), period_label=label)
        )
    return {c.grade.value: c.count for c in reply.counts if c.count}


def falsify(card: ev.ScorecardView, eng: Engagement) -> ev.MarkFalsifiedRequest:
    return ev.MarkFalsifiedRequest(
        scorecard_id=card.id,
        party="绿源化工有限公司 环保专员",
        finding="培训签到表系事后补签",
        evidence=[ev.EvidenceLink(kind="document", ref="稽查记录-2027-031")],
        decided_as="agency_admin",
        scope=eng.scope(),
    )


async def test_R7_1_counters_equal_the_count_after_finalise_amend_falsify(db: Database):
    a, b, c = Engagement.new("440305"), Engagement.new("440305"), Engagement.new("440306")
    outside = Engagement.new("110101")
    first = await finalised_card(db, a, Decimal(0))  # 优秀
    assert first.grade == "excellent"
    await assert_counters_equal_the_oracle(db)
    second = await finalised_card(db, b, Decimal(1))
    third = await finalised_card(db, c, Decimal(0))
    await finalised_card(db, outside, Decimal(0))
    assert await distribution(db, "44") == {"excellent": 2, second.grade: 1}
    await assert_counters_equal_the_oracle(db)

    # An amendment: while open, the finalised version is still the valid result ...
    amend = ev.AmendScorecardRequest(scorecard_id=first.id, reason="复核", scope=a.scope())
    amended = await call(db, scorecards.amend, amend, "eva-wang", a)
    assert await distribution(db, "440305") == {"excellent": 1, second.grade: 1}
    await assert_counters_equal_the_oracle(db)
    # ... and once finalised, the amendment's grade replaces it.
    await score_all(db, a, amended, "eva-wang", Decimal(3))
    final = ev.FinalizeScorecardRequest(scorecard_id=amended.id, scope=a.scope())
    amended = await call(db, scoring.finalize, final, "eva-wang", a)
    assert amended.grade != "excellent"
    await assert_counters_equal_the_oracle(db)

    # A falsified finalised card counts as 不合格 (R7.2); so does a falsified open one.
    await call(db, scoring.mark_falsified, falsify(third, c), "admin-chen", c)
    late = Engagement.new("440306")
    await late.register(db)
    still_open = await open_card(db, late)
    await call(db, scoring.mark_falsified, falsify(still_open, late), "admin-chen", late)
    await assert_counters_equal_the_oracle(db)

    expected = {"unqualified": 2, second.grade: 1}
    expected[str(amended.grade)] = expected.get(str(amended.grade), 0) + 1
    assert await distribution(db, "44") == expected
    assert await distribution(db, "440306") == {"unqualified": 2}
    assert await distribution(db, "44", "2026") == {}
    assert await distribution(db, "11") == {"excellent": 1}
    async with db.transaction() as s:
        by_year = await grade_statistics(
            s, RegionStatisticsRequest(scope=Scope(region_prefix="4403"), region_prefix="440306")
        )
    assert [
        (r.key, [(g.year, g.grade.value, g.count) for g in r.grades]) for r in by_year.rows
    ] == [("440306", [(2027, "unqualified", 2)])]


async def test_R7_1_a_card_decided_before_its_units_region_moves_into_the_region(db: Database):
    eng = Engagement.new("440307")
    async with db.transaction() as s:  # the engagement's event overtook the unit's
        await intake.on_engagement_event(s, eng.created())
    card = await open_card(db, eng)
    await score_all(db, eng, card, "eva-wang", Decimal(0))
    final = ev.FinalizeScorecardRequest(scorecard_id=card.id, scope=eng.scope())
    await call(db, scoring.finalize, final, "eva-wang", eng)
    assert await counters(db) == {
        ("", "2027", date(2027, 1, 1), date(2027, 12, 31), "excellent"): 1
    }
    assert await distribution(db, "44") == {}
    async with db.transaction() as s:
        await intake.on_engagement_event(s, eng.unit_registered())
    assert await counters(db) == {
        ("440307", "2027", date(2027, 1, 1), date(2027, 12, 31), "excellent"): 1
    }
    assert await distribution(db, "44") == {"excellent": 1}
    await assert_counters_equal_the_oracle(db)


async def test_two_transactions_bumping_one_counter_both_land(db: Database):
    key = ("440305", "2027", date(2027, 1, 1), date(2027, 12, 31), "good")
    entered = asyncio.Event()

    async def bump(wait: bool) -> None:
        async with db.transaction() as s:
            await repository.add_to_tally(s, {key: 1})
            if wait:  # hold the first transaction open while the second bumps
                entered.set()
                await asyncio.sleep(0.2)

    async def second() -> None:
        await entered.wait()
        await bump(False)

    await asyncio.gather(bump(True), second())  # a new counter: both INSERTs meet
    await asyncio.gather(*(bump(False) for _ in range(8)))  # an existing one
    assert await counters(db) == {key: 10}


async def test_two_finalisations_of_one_card_count_it_once(db: Database, database_url: str):
    if is_sqlite(database_url):
        pytest.skip("SQLite runs one transaction at a time (pool of one connection)")
    eng = Engagement.new("440305")
    await eng.register(db)
    card = await open_card(db, eng)
    await score_all(db, eng, card, "eva-wang", Decimal(0))
    final = ev.FinalizeScorecardRequest(scorecard_id=card.id, scope=eng.scope())
    await asyncio.gather(*(call(db, scoring.finalize, final, "eva-wang", eng) for _ in range(2)))
    assert await counters(db) == {
        ("440305", "2027", date(2027, 1, 1), date(2027, 12, 31), "excellent"): 1
    }
    await assert_counters_equal_the_oracle(db)
