"""The SQL of the grade statistics: the valid results (the last decided version of each
binding card, falsified ones as 不合格), as gradeDistribution counts them, by group key
and the year the card's period ends in.

Two ways to the same figures: the GROUP BY over the cards (any scope, any grouping),
and for a regulator's region the sum of `grade_tally`, the counters kept as cards are
decided (cost: regions × periods × grades, whatever the number of cards). The GROUP BY
stays the oracle the counters are tested against (tests/evaluation/test_grade_tally.py)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Select, delete, func, insert, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.core import Scope
from contracts.statistics import RegionStatisticsRequest, StatisticsGroup
from kit.counters import add_to_counters
from services.evaluation.models import GradeTally, Scorecard
from services.evaluation.repository import (
    binding,
    effective_grade,
    is_latest_decided,
    scorecard_scope,
)

TallyKey = tuple[str, str, date, date, str]
"""A counter's key: (region_code, period_label, period_start, period_end, grade)."""
TALLY_KEY = ("region_code", "period_label", "period_start", "period_end", "grade")


def group_key(group_by: StatisticsGroup) -> Any:
    return group_by.pick(
        region=Scorecard.region_code, agency=Scorecard.agency_id, unit=Scorecard.unit_id
    )


def counted_by_region(scope: Scope) -> bool:
    """A regulator's scope (its region, the branch repository._owned takes): the
    counters answer it; every other scope is one agency's, unit's or evaluator's book,
    which stays the same size as the province grows, and is counted from the cards."""
    return (
        scope.evaluator_id is None
        and scope.unit_id is None
        and scope.agency_id is None
        and bool(scope.region_prefix)
    )


async def grades_by_year(
    session: AsyncSession, req: RegionStatisticsRequest
) -> dict[str, list[tuple[int, str, int]]]:
    """(year, grade, count) by group key, oldest year first: the GROUP BY over the cards."""
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


# --- the counters ----------------------------------------------------------------------------


def _in_region(prefixes: Sequence[str | None]) -> list[ColumnElement[bool]]:
    return [GradeTally.region_code.startswith(p, autoescape=True) for p in prefixes if p]


async def tallied_grades_by_year(
    session: AsyncSession, req: RegionStatisticsRequest
) -> dict[str, list[tuple[int, str, int]]]:
    """grades_by_year for a regulator grouping by region, from the counters: the sums
    per (region, period end, grade), folded into years here (a few rows a region)."""
    t = GradeTally
    query = (
        select(
            GradeTally.region_code, GradeTally.period_end, GradeTally.grade, func.sum(GradeTally.n)
        )
        .where(*_in_region([req.scope.region_prefix, req.region_prefix]))
        .group_by(GradeTally.region_code, GradeTally.period_end, GradeTally.grade)
    )
    if req.to_date is not None:
        query = query.where(t.period_start <= req.to_date)
    if req.from_date is not None:
        query = query.where(t.period_end >= req.from_date)
    years: dict[tuple[str, int, str], int] = defaultdict(int)
    for region, end, grade, n in await session.execute(query):
        years[(region, end.year, grade)] += int(n)
    out: dict[str, list[tuple[int, str, int]]] = defaultdict(list)
    for (region, year, grade), n in sorted(years.items()):
        if n:
            out[region].append((year, grade, n))
    return out


async def tallied_grade_counts(
    session: AsyncSession, scope: Scope, period_label: str | None
) -> dict[str, int]:
    """repository.grade_counts for a regulator, from the counters."""
    query = (
        select(GradeTally.grade, func.sum(GradeTally.n))
        .where(*_in_region([scope.region_prefix]))
        .group_by(GradeTally.grade)
    )
    if period_label is not None:
        query = query.where(GradeTally.period_label == period_label)
    return {str(g): int(n) for g, n in await session.execute(query) if n}


def _valid_results() -> Select[Any]:
    """Each binding series' valid result, as the key of the counter it counts in."""
    return select(
        Scorecard.series_id,
        func.coalesce(Scorecard.region_code, literal("")),
        Scorecard.period_label,
        Scorecard.period_start,
        Scorecard.period_end,
        effective_grade(),
    ).where(is_latest_decided(), binding())


async def results_of(session: AsyncSession, series: Sequence[UUID]) -> dict[UUID, TallyKey]:
    """The counter each of these series counts in now (none while undecided)."""
    if not series:
        return {}
    rows = await session.execute(_valid_results().where(Scorecard.series_id.in_(series)))
    return {s: (r, label, start, end, str(g)) for s, r, label, start, end, g in rows}


async def add_to_tally(session: AsyncSession, changes: dict[TallyKey, int]) -> None:
    rows = [
        dict(zip(TALLY_KEY, k, strict=True)) | {"n": n} for k, n in sorted(changes.items()) if n
    ]
    await add_to_counters(session, GradeTally.__table__, rows)  # type: ignore[arg-type]


async def rebuild_tally(session: AsyncSession) -> None:
    """Recount every counter from the cards (rows written around the commands: a bulk
    load, tests' seeds). Migration 0010 does the same in its own SQL."""
    valid = _valid_results().subquery()
    cols = list(valid.c)[1:]
    await session.execute(delete(GradeTally))
    await session.execute(
        insert(GradeTally).from_select(
            ["region_code", "period_label", "period_start", "period_end", "grade", "n"],
            select(*cols, func.count()).group_by(*cols),
        )
    )


async def lock_series(session: AsyncSession, series: Sequence[UUID]) -> None:
    """Hold the series' rows until commit (PostgreSQL; SQLite has one writer at a time),
    so a concurrent decision on the same series reads its result after this one."""
    if series:
        await session.execute(
            select(Scorecard.id).where(Scorecard.series_id.in_(series)).with_for_update()
        )


async def series_without_region(session: AsyncSession, unit_id: UUID) -> list[UUID]:
    """The unit's series whose cards arrived before its region did."""
    query = select(Scorecard.series_id).where(
        Scorecard.unit_id == unit_id, Scorecard.region_code.is_(None)
    )
    return list(dict.fromkeys((await session.execute(query)).scalars()))
