"""R7.1: the counters a regulator's regionStatistics sums — engagements by stage and by
mode (engagement_tally), open list items by due date (open_item_tally, summed over the
dates before today: the overdue time nodes) — equal the GROUP BYs over the rows (the
oracle, statistics/repository.py) after a sequence through the service's own paths:
opening engagements, adding, correcting and voiding list items (ACT), an early
termination's move to evaluation, the evaluation result closing one (the inbox
handler), on both backends."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import select

from contracts import core
from contracts.engagement import actions, rpc
from contracts.engagement import rpc_directory as directory_rpc
from contracts.evaluation.enums import Grade
from contracts.evaluation.events import ScorecardFinalizedData, ScorecardFinalizedV1
from contracts.statistics import RegionStatisticsRequest
from kit.db import Database
from kit.ids import new_id
from services.engagement import handlers
from services.engagement.models import Engagement, EngagementTally, ListItem, OpenItemTally
from services.engagement.statistics import repository
from services.engagement.statistics.queries import statistics_on
from services.engagement.workflow.commands import act, engagements
from services.engagement.workflow.commands.step import Step
from tests.e2e.harness import new_uscc
from tests.engagement import registry_rows as registry
from tests.engagement.rows import CTX
from tests.infra.counters import summed

TODAY = date(2027, 6, 1)
Y2026 = (date(2026, 1, 1), date(2026, 12, 31))
Y2027 = (date(2027, 1, 1), date(2027, 12, 31))
PREFIXES = ["44", "4403", "440305", "440306", "11"]
DAYS = [date(2027, 1, 1), TODAY, date(2028, 1, 1)]
"""What is overdue depends on the day the statistics are asked on."""
WINDOWS: list[dict[str, date]] = [
    {},
    {"from_date": date(2027, 3, 1)},
    {"to_date": date(2026, 12, 31)},
]


ENGAGEMENT_SCOPE: dict[UUID, core.Scope] = {}


async def acted(db: Database, engagement_id: UUID, action: Any) -> Any:
    req = actions.ActRequest(
        engagement_id=engagement_id, scope=ENGAGEMENT_SCOPE[engagement_id], action=action
    )
    async with db.transaction() as s:
        return await act.act(s, req, CTX)


async def item_added(db: Database, engagement_id: UUID, due: date | None) -> UUID:
    add = actions.AddListItem(catalogue_code="6.1.5", scope="废水季度监测", due_date=due)
    await acted(db, engagement_id, add)
    async with db.transaction() as s:
        newest = await s.scalar(
            select(ListItem.id)
            .where(ListItem.engagement_id == engagement_id)
            .order_by(ListItem.created_at.desc())
            .limit(1)
        )
    assert newest is not None
    return newest


async def opened(db: Database, region: str, modes: list[str], period: tuple[date, date]) -> UUID:
    async with db.transaction() as s:
        unit = await registry.entered_unit(
            s,
            directory_rpc.CreateUnitRequest(
                name="化工厂", uscc=new_uscc(region), industry_code="C26", address="a"
            ),
            CTX,
        )
    async with db.transaction() as s:
        made, _region = await engagements.open_engagement(
            s,
            rpc.CreateEngagementRequest(
                unit_id=unit.id,
                agency_id=new_id(),
                service_modes=modes,
                period_start=period[0],
                period_end=period[1],
                scope=core.Scope(unit_id=unit.id),
            ),
            CTX,
        )
    engagement_id: UUID = made.id
    ENGAGEMENT_SCOPE[engagement_id] = core.Scope(unit_id=unit.id)
    return engagement_id


async def terminated_early(db: Database, engagement_id: UUID) -> None:
    """The move an early termination makes (lifecycle.terminate → Step.end_early)."""
    async with db.transaction() as s:
        engagement = await s.get(Engagement, engagement_id)
        assert engagement is not None
        await Step(s, engagement, CTX).end_early()


async def evaluated(db: Database, engagement_id: UUID) -> None:
    """The evaluation's final result arrives: the inbox handler closes the engagement."""
    data = ScorecardFinalizedData(
        scorecard_id=new_id(),
        series_id=new_id(),
        version=1,
        unit_id=new_id(),
        agency_id=new_id(),
        period_label="2027",
        template_code="C.1",
        template_version=1,
        scored_total=Decimal(90),
        deducted=Decimal(0),
        total=Decimal(90),
        grade=Grade.EXCELLENT,
        evaluators=["eva"],
    )
    event = ScorecardFinalizedV1(
        event_id=new_id(),
        occurred_at=datetime.now(UTC),
        actor="eva",
        tenant="agency:x",
        engagement_id=engagement_id,
        correlation_id="c",
        data=data,
    )
    async with db.transaction() as s:
        await handlers.close_evaluated(s, event)


async def counters(db: Database) -> dict[tuple[Any, ...], int]:
    """Every counter that is not 0, its slots summed."""
    t = EngagementTally
    return await summed(db, t.region_code, t.period_start, t.period_end, t.figure, t.value)


async def assert_counters_equal_the_oracle(db: Database) -> None:
    async with db.transaction() as s:
        for prefix in PREFIXES:
            for wanted in ("", "44", "440306"):
                for window in WINDOWS:
                    req = RegionStatisticsRequest(
                        scope=core.Scope(region_prefix=prefix), region_prefix=wanted, **window
                    )
                    assert repository.counted_by_region(req)
                    where = (prefix, wanted, window)
                    for figure, oracle in (
                        (repository.STAGE, repository.engagements_by_stage),
                        (repository.MODE, repository.engagements_by_mode),
                    ):
                        tallied = await repository.tallied(s, req, figure)
                        assert tallied == await oracle(s, req), (where, figure)
                    for today in DAYS:
                        tallied = await repository.tallied_overdue_time_nodes(s, req, today)
                        counted = await repository.overdue_time_nodes(s, req, today)
                        assert tallied == counted, (where, today)
    kept = await counters(db), await item_counters(db)
    async with db.transaction() as s:
        await repository.rebuild_tally(s)
    assert (await counters(db), await item_counters(db)) == kept


async def item_counters(db: Database) -> dict[tuple[Any, ...], int]:
    return await summed(db, OpenItemTally.region_code, OpenItemTally.due_date)


async def by_region(db: Database, prefix: str) -> dict[str, tuple[int, list[Any], list[Any]]]:
    req = RegionStatisticsRequest(scope=core.Scope(region_prefix=prefix), region_prefix="")
    async with db.transaction() as s:
        reply = await statistics_on(s, req, TODAY)
    return {
        r.key: (
            r.engagements,
            [(c.stage.value, c.count) for c in r.by_stage],
            [(c.mode.value, c.count) for c in r.by_mode],
        )
        for r in reply.rows
    }


async def test_R7_1_stage_and_mode_counters_equal_the_count_through_the_workflow(db: Database):
    first = await opened(db, "440305", ["fixed_resident", "remote_monitoring"], Y2027)
    await assert_counters_equal_the_oracle(db)
    await opened(db, "440305", ["roving"], Y2027)
    third = await opened(db, "440306", ["roving"], Y2026)
    await opened(db, "110101", ["roving"], Y2027)
    await assert_counters_equal_the_oracle(db)

    await terminated_early(db, first)  # preparation → evaluation
    await assert_counters_equal_the_oracle(db)
    await evaluated(db, first)  # evaluation → closed (the inbox handler)
    await terminated_early(db, third)
    await assert_counters_equal_the_oracle(db)

    assert await by_region(db, "44") == {
        "440305": (
            2,
            [("preparation", 1), ("closed", 1)],
            [("fixed_resident", 1), ("roving", 1), ("remote_monitoring", 1)],
        ),
        "440306": (1, [("evaluation", 1)], [("roving", 1)]),
    }
    assert await counters(db) == {
        ("440305", *Y2027, "stage", "preparation"): 1,
        ("440305", *Y2027, "stage", "closed"): 1,
        ("440305", *Y2027, "mode", "fixed_resident"): 1,
        ("440305", *Y2027, "mode", "remote_monitoring"): 1,
        ("440305", *Y2027, "mode", "roving"): 1,
        ("440306", *Y2026, "stage", "evaluation"): 1,
        ("440306", *Y2026, "mode", "roving"): 1,
        ("110101", *Y2027, "stage", "preparation"): 1,
        ("110101", *Y2027, "mode", "roving"): 1,
    }


async def test_R7_1_overdue_time_nodes_from_the_counters_of_open_items(db: Database):
    """Open items count under their due date until finished or voided; a correction
    moves them to the new date; what is overdue is the sum over the dates before today."""
    first = await opened(db, "440305", ["roving"], Y2027)
    second = await opened(db, "440306", ["roving"], Y2027)
    march = await item_added(db, first, date(2027, 3, 1))
    await item_added(db, first, date(2027, 3, 1))
    await item_added(db, first, None)  # no time node: never overdue
    await item_added(db, second, date(2027, 9, 1))
    await assert_counters_equal_the_oracle(db)
    assert await item_counters(db) == {
        ("440305", date(2027, 3, 1)): 2,
        ("440306", date(2027, 9, 1)): 1,
    }

    correct = actions.CorrectListItem(
        item_id=march, reason="合同更正", scope="废水季度监测", due_date=date(2027, 8, 1)
    )
    await acted(db, first, correct)
    await assert_counters_equal_the_oracle(db)
    others = await item_added(db, second, date(2027, 2, 1))
    await acted(db, second, actions.VoidListItem(item_id=others, reason="录入错误"))
    await assert_counters_equal_the_oracle(db)

    assert await item_counters(db) == {
        ("440305", date(2027, 3, 1)): 1,
        ("440305", date(2027, 8, 1)): 1,
        ("440306", date(2027, 9, 1)): 1,
    }
    req = RegionStatisticsRequest(scope=core.Scope(region_prefix="44"), region_prefix="")
    async with db.transaction() as s:
        on_today = await statistics_on(s, req, TODAY)
        in_december = await statistics_on(s, req, date(2027, 12, 1))
    assert [(r.key, r.overdue_time_nodes) for r in on_today.rows] == [
        ("440305", 1),
        ("440306", 0),
    ]
    assert [(r.key, r.overdue_time_nodes) for r in in_december.rows] == [
        ("440305", 2),
        ("440306", 1),
    ]
