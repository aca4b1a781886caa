"""The SQL of the grade statistics: one GROUP BY over the valid results (the last
decided version of each binding card, falsified ones as 不合格), as gradeDistribution
counts them, by group key and the year the card's period ends in."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.statistics import RegionStatisticsRequest, StatisticsGroup
from services.evaluation.models import Scorecard
from services.evaluation.repository import (
    binding,
    effective_grade,
    is_latest_decided,
    scorecard_scope,
)


def group_key(group_by: StatisticsGroup) -> Any:
    return group_by.pick(
        region=Scorecard.region_code, agency=Scorecard.agency_id, unit=Scorecard.unit_id
    )


async def grades_by_year(
    session: AsyncSession, req: RegionStatisticsRequest
) -> dict[str, list[tuple[int, str, int]]]:
    """(year, grade, count) by group key, oldest year first."""
    key = group_key(req.group_by)
    year = func.extract("year", Scorecard.period_end).label("year")
    grade = effective_grade().label("grade")
    query = (
        select(key, year, grade, func.count())
        .where(scorecard_scope(req.scope), is_latest_decided(), binding())
        .group_by(key, year, grade)
        .order_by(key, year, grade)
    )
    if req.region_prefix:
        query = query.where(Scorecard.region_code.startswith(req.region_prefix, autoescape=True))
    if req.to_date is not None:
        query = query.where(Scorecard.period_start <= req.to_date)
    if req.from_date is not None:
        query = query.where(Scorecard.period_end >= req.from_date)
    out: dict[str, list[tuple[int, str, int]]] = defaultdict(list)
    for k, y, g, n in await session.execute(query):
        out["" if k is None else str(k)].append((int(y), str(g), int(n)))
    return out
