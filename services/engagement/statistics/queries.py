"""The region statistics request: each figure's grouped query, merged per group key."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.engagement import rpc_statistics as statistics_rpc
from contracts.engagement.enums import ServiceMode, Stage
from contracts.statistics import RegionStatisticsRequest
from services.engagement import clock
from services.engagement.statistics import repository


async def region_statistics(
    session: AsyncSession, req: RegionStatisticsRequest
) -> statistics_rpc.EngagementStatisticsReply:
    return await statistics_on(session, req, clock.today())


async def statistics_on(
    session: AsyncSession, req: RegionStatisticsRequest, today: date
) -> statistics_rpc.EngagementStatisticsReply:
    """The figures as of `today` (what is overdue depends on it)."""
    merged: dict[str, dict[str, Any]] = {}
    if repository.counted_by_region(req):  # a regulator by region: the counters
        by_stage = await repository.tallied(session, req, repository.STAGE)
        by_mode = await repository.tallied(session, req, repository.MODE)
        overdue = await repository.tallied_overdue_time_nodes(session, req, today)
    else:
        by_stage = await repository.engagements_by_stage(session, req)
        by_mode = await repository.engagements_by_mode(session, req)
        overdue = await repository.overdue_time_nodes(session, req, today)
    for part in (
        by_stage,
        by_mode,
        overdue,
        await repository.rectifications(session, req),
        await repository.recurring_problems(session, req),
        await repository.incidents(session, req),
    ):
        for key, figures in part.items():
            merged.setdefault(key, {}).update(figures)
    names = await repository.labels(session, req.group_by, list(merged))
    return statistics_rpc.EngagementStatisticsReply(
        rows=[_row(key, names.get(key, key), merged[key]) for key in sorted(merged)]
    )


def _row(key: str, label: str, f: dict[str, Any]) -> statistics_rpc.EngagementStatisticsRow:
    stages: dict[str, int] = f.get("by_stage", {})
    modes: dict[str, int] = f.get("by_mode", {})
    return statistics_rpc.EngagementStatisticsRow(
        key=key,
        label=label,
        engagements=sum(stages.values()),
        by_stage=[
            statistics_rpc.StageCount(stage=s, count=stages[s]) for s in Stage if s in stages
        ],
        by_mode=[
            statistics_rpc.ModeCount(mode=m, count=modes[m]) for m in ServiceMode if m in modes
        ],
        overdue_time_nodes=f.get("overdue_time_nodes", 0),
        rectifications_raised=f.get("rectifications_raised", 0),
        rectifications_closed=f.get("rectifications_closed", 0),
        days_to_close_sum=f.get("days_to_close_sum", 0),
        recurring_problems=f.get("recurring_problems", 0),
        recurring_rectifications=f.get("recurring_rectifications", 0),
        emergencies=f.get("emergencies", 0),
        emergencies_in_time=f.get("emergencies_in_time", 0),
        response_minutes_sum=f.get("response_minutes_sum", Decimal("0.000")),
        complaints=f.get("complaints", 0),
        complaints_verified=f.get("complaints_verified", 0),
        penalties=f.get("penalties", 0),
        penalty_amount=f.get("penalty_amount", Decimal("0.00")),
    )
