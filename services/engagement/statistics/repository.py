"""All SQL of the region statistics. Every figure is one GROUP BY in the database over
engagements joined to their unit (for the region code); no row is loaded to be counted
here. Scoping is the caller's scope AND the requested region prefix, both in SQL.

For a regulator grouping by region, the engagements by stage and by mode are the sums
of `engagement_tally`, the counters kept as engagements open and move (cost: regions ×
periods × values, whatever the number of engagements); the GROUP BYs stay, for every
other scope and grouping, and as the oracle the counters are tested against
(tests/engagement/test_engagement_tally.py)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import (
    TIMESTAMP,
    ColumnElement,
    Select,
    and_,
    case,
    cast,
    delete,
    func,
    insert,
    literal,
    select,
    true,
)
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.core import Scope
from contracts.engagement.enums import ListItemStatus, RecordKind, RectificationStatus
from contracts.statistics import RegionStatisticsRequest, StatisticsGroup
from kit.counters import add_to_counters
from services.engagement.models import (
    Agency,
    Engagement,
    EngagementTally,
    ListItem,
    OpenItemTally,
    Rectification,
    ServiceRecord,
    Unit,
)
from services.engagement.repository import engagement_scope

RECURRING_AT_LEAST = 2
"""A problem is recurring when the same unit had the same `problem_key` raised at least
this often in the window (反复出现的问题). The workflow's own flag (more than 3 in 12
months, workflow.domain.is_recurring) is a warning on one item; a regulator's window is
whatever it asks for, so here a repeat is a repeat."""

Counts = dict[str, dict[str, Any]]
"""Figures by group key, then by figure name."""


def group_key(group_by: StatisticsGroup) -> Any:
    return group_by.pick(
        region=Unit.region_code, agency=Engagement.agency_id, unit=Engagement.unit_id
    )


def key_text(value: object) -> str:
    return "" if value is None else str(value)


def _in_reach(req: RegionStatisticsRequest) -> list[ColumnElement[bool]]:
    where = [engagement_scope(req.scope)]
    if req.region_prefix:
        where.append(Unit.region_code.startswith(req.region_prefix, autoescape=True))
    return where


def _between(column: Any, req: RegionStatisticsRequest) -> list[ColumnElement[bool]]:
    where = []
    if req.from_date is not None:
        where.append(column >= req.from_date)
    if req.to_date is not None:
        where.append(column <= req.to_date)
    return where


def _engagements(*columns: Any) -> Select[Any]:
    return select(*columns).select_from(Engagement).join(Unit, Unit.id == Engagement.unit_id)


def _overlapping(req: RegionStatisticsRequest) -> list[ColumnElement[bool]]:
    where = []
    if req.to_date is not None:
        where.append(Engagement.period_start <= req.to_date)
    if req.from_date is not None:
        where.append(Engagement.period_end >= req.from_date)
    return where


def _postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


async def engagements_by_stage(session: AsyncSession, req: RegionStatisticsRequest) -> Counts:
    key = group_key(req.group_by)
    query = (
        _engagements(key, Engagement.stage, func.count())
        .where(*_in_reach(req), *_overlapping(req))
        .group_by(key, Engagement.stage)
    )
    out: Counts = defaultdict(dict)
    for k, stage, n in await session.execute(query):
        out[key_text(k)].setdefault("by_stage", {})[stage] = int(n)
    return out


async def engagements_by_mode(session: AsyncSession, req: RegionStatisticsRequest) -> Counts:
    """An engagement with two service modes counts under both. The JSON list is unnested
    in SQL (a function in FROM sees the engagement row on both backends)."""
    unnest = func.json_array_elements_text if _postgres(session) else func.json_each
    modes = unnest(Engagement.service_modes).table_valued("value").alias("mode")
    key = group_key(req.group_by)
    query = (
        _engagements(key, modes.c.value, func.count())
        .join(modes, true())
        .where(*_in_reach(req), *_overlapping(req))
        .group_by(key, modes.c.value)
    )
    out: Counts = defaultdict(dict)
    for k, mode, n in await session.execute(query):
        out[key_text(k)].setdefault("by_mode", {})[str(mode)] = int(n)
    return out


async def overdue_time_nodes(
    session: AsyncSession, req: RegionStatisticsRequest, today: date
) -> Counts:
    """Open list items past their time node today (workflow.domain.is_overdue), due in
    the window; voided items no longer count."""
    key = group_key(req.group_by)
    query = (
        _engagements(key, func.count())
        .join(ListItem, ListItem.engagement_id == Engagement.id)
        .where(
            *_in_reach(req),
            ListItem.status == ListItemStatus.OPEN,
            ListItem.voided_at.is_(None),
            ListItem.due_date < today,
            *_between(ListItem.due_date, req),
        )
        .group_by(key)
    )
    return {key_text(k): {"overdue_time_nodes": int(n)} for k, n in await session.execute(query)}


def _days(session: AsyncSession, start: Any, end: Any) -> Any:
    """Whole days from one date column to another."""
    if _postgres(session):
        return end - start  # date - date is an integer in PostgreSQL
    return func.julianday(end) - func.julianday(start)


async def rectifications(session: AsyncSession, req: RegionStatisticsRequest) -> Counts:
    """Raised in the window; closed ones (verified) with their days from raised to closed."""
    key = group_key(req.group_by)
    closed = and_(
        Rectification.status == RectificationStatus.CLOSED, Rectification.closed_on.is_not(None)
    )
    days = _days(session, Rectification.raised_on, Rectification.closed_on)
    query = (
        _engagements(
            key,
            func.count(),
            func.sum(case((closed, 1), else_=0)),
            func.sum(case((closed, days), else_=0)),
        )
        .join(Rectification, Rectification.engagement_id == Engagement.id)
        .where(*_in_reach(req), *_between(Rectification.raised_on, req))
        .group_by(key)
    )
    return {
        key_text(k): {
            "rectifications_raised": int(n),
            "rectifications_closed": int(c or 0),
            "days_to_close_sum": round(d or 0),
        }
        for k, n, c, d in await session.execute(query)
    }


async def recurring_problems(session: AsyncSession, req: RegionStatisticsRequest) -> Counts:
    """Pairs of (unit, problem_key) raised at least RECURRING_AT_LEAST times in the
    window, and how many rectifications they are: a grouped subquery, grouped again."""
    key = group_key(req.group_by)
    pairs = (
        _engagements(key.label("k"), func.count().label("n"))
        .join(Rectification, Rectification.engagement_id == Engagement.id)
        .where(*_in_reach(req), *_between(Rectification.raised_on, req))
        .group_by(key, Rectification.unit_id, Rectification.problem_key)
        .having(func.count() >= RECURRING_AT_LEAST)
        .subquery()
    )
    query = select(pairs.c.k, func.count(), func.sum(pairs.c.n)).group_by(pairs.c.k)
    return {
        key_text(k): {"recurring_problems": int(p), "recurring_rectifications": int(n)}
        for k, p, n in await session.execute(query)
    }


def _response_minutes(session: AsyncSession) -> ColumnElement[Any]:
    """An emergency's minutes from report to response, from the record's details (ISO
    timestamps with their offset), rounded to the second's fraction both backends agree
    on."""
    reported = ServiceRecord.details["reported_at"].as_string()
    responded = ServiceRecord.details["responded_at"].as_string()
    if _postgres(session):
        moment = TIMESTAMP(timezone=True)
        seconds = func.extract("epoch", cast(responded, moment) - cast(reported, moment))
        return func.round(seconds / 60, 3)
    return func.round((func.julianday(responded) - func.julianday(reported)) * 1440, 3)


async def incidents(session: AsyncSession, req: RegionStatisticsRequest) -> Counts:
    """Emergencies (with response times), complaints (verified or not) and penalties
    (with their amounts) that occurred in the window; voided records do not count."""
    key = group_key(req.group_by)
    details = ServiceRecord.details
    minutes = _response_minutes(session)
    emergency = ServiceRecord.kind == RecordKind.EMERGENCY
    in_time = and_(emergency, minutes <= details["contracted_response_minutes"].as_integer())
    verified = and_(
        ServiceRecord.kind == RecordKind.COMPLAINT, details["verified"].as_boolean() == true()
    )
    penalty = ServiceRecord.kind == RecordKind.PENALTY
    query = (
        _engagements(
            key,
            ServiceRecord.kind,
            func.count(),
            func.sum(case((in_time, 1), else_=0)),
            func.sum(case((emergency, minutes), else_=literal(0))),
            func.sum(case((verified, 1), else_=0)),
            func.sum(case((penalty, details["amount"].as_numeric(14, 2)), else_=literal(0))),
        )
        .join(ServiceRecord, ServiceRecord.engagement_id == Engagement.id)
        .where(
            *_in_reach(req),
            ServiceRecord.kind.in_(
                [RecordKind.EMERGENCY, RecordKind.COMPLAINT, RecordKind.PENALTY]
            ),
            ServiceRecord.voided_at.is_(None),
            *_between(ServiceRecord.occurred_on, req),
        )
        .group_by(key, ServiceRecord.kind)
    )
    out: Counts = defaultdict(dict)
    for k, kind, n, on_time, mins, verified_n, amount in await session.execute(query):
        figures = out[key_text(k)]
        match kind:
            case RecordKind.EMERGENCY:
                figures["emergencies"] = int(n)
                figures["emergencies_in_time"] = int(on_time or 0)
                figures["response_minutes_sum"] = _decimal(mins, "0.001")
            case RecordKind.COMPLAINT:
                figures["complaints"] = int(n)
                figures["complaints_verified"] = int(verified_n or 0)
            case _:
                figures["penalties"] = int(n)
                figures["penalty_amount"] = _decimal(amount, "0.01")
    return out


def _decimal(value: object, places: str) -> Decimal:
    """A sum as an exact Decimal: SQLite hands back floats, PostgreSQL Decimals."""
    return Decimal(str(value or 0)).quantize(Decimal(places))


async def labels(
    session: AsyncSession, group_by: StatisticsGroup, keys: list[str]
) -> dict[str, str]:
    """Names of the agencies or units the keys are; a region code is its own label."""
    if group_by is StatisticsGroup.REGION:
        return {}
    ids = [UUID(k) for k in keys if k]
    match group_by:
        case StatisticsGroup.AGENCY if ids:
            found = select(Agency.id, Agency.name).where(Agency.id.in_(ids))
        case StatisticsGroup.UNIT if ids:
            found = select(Unit.id, Unit.name).where(Unit.id.in_(ids))
        case _:
            return {}
    return {str(i): name for i, name in await session.execute(found)}


# --- the counters ----------------------------------------------------------------------------

STAGE, MODE = "stage", "mode"
"""engagement_tally's figures: engagements by stage, and by service mode."""


def counted_by_region(req: RegionStatisticsRequest) -> bool:
    """A regulator's scope (the branch engagement_scope takes) grouping by region: the
    counters answer it. Every other scope is one agency's, unit's or client's book (the
    same size as the province grows); other groupings are as many rows as agencies or
    units; both are counted from the engagements."""
    scope: Scope = req.scope
    return (
        req.group_by is StatisticsGroup.REGION
        and scope.unit_id is None
        and scope.client_id is None
        and scope.agency_id is None
        and bool(scope.region_prefix)
    )


async def tallied(session: AsyncSession, req: RegionStatisticsRequest, figure: str) -> Counts:
    """One figure's counts by region and value, summed over the periods in the window."""
    t = EngagementTally
    query = (
        select(t.region_code, t.value, func.sum(t.n))
        .where(
            t.figure == figure,
            *_prefixes(t.region_code, req),
        )
        .group_by(t.region_code, t.value)
    )
    if req.to_date is not None:
        query = query.where(t.period_start <= req.to_date)
    if req.from_date is not None:
        query = query.where(t.period_end >= req.from_date)
    name = {STAGE: "by_stage", MODE: "by_mode"}[figure]
    out: Counts = defaultdict(dict)
    for region, value, n in await session.execute(query):
        if n:
            out[region].setdefault(name, {})[value] = int(n)
    return out


async def region_of(session: AsyncSession, unit_id: UUID) -> str:
    found = await session.scalar(select(Unit.region_code).where(Unit.id == unit_id))
    assert found is not None  # an engagement's unit (foreign key)
    return found


async def add_to_tally(
    session: AsyncSession,
    period: tuple[date, date],
    region: str,
    changes: dict[tuple[str, str], int],
) -> None:
    """Add to the counters of an engagement's region and period (start, end): (figure,
    value) → n."""
    rows = [
        {
            "region_code": region,
            "period_start": period[0],
            "period_end": period[1],
            "figure": figure,
            "value": value,
            "n": n,
        }
        for (figure, value), n in sorted(changes.items())
        if n
    ]
    await add_to_counters(session, EngagementTally.__table__, rows)  # type: ignore[arg-type]


async def rebuild_tally(session: AsyncSession) -> None:
    """Recount every counter from the engagements (rows written around the commands: a
    bulk load, tests' seeds). Migration 0021 does the same in its own SQL."""
    t = EngagementTally
    columns = ["region_code", "period_start", "period_end", "figure", "value", "n"]
    await session.execute(delete(t))
    period = (Unit.region_code, Engagement.period_start, Engagement.period_end)
    stages = _engagements(*period, literal(STAGE), Engagement.stage, func.count()).group_by(
        *period, Engagement.stage
    )
    unnest = func.json_array_elements_text if _postgres(session) else func.json_each
    modes = unnest(Engagement.service_modes).table_valued("value").alias("mode")
    by_mode = (
        _engagements(*period, literal(MODE), modes.c.value, func.count())
        .join(modes, true())
        .group_by(*period, modes.c.value)
    )
    await session.execute(insert(t).from_select(columns, stages))
    await session.execute(insert(t).from_select(columns, by_mode))
    await rebuild_item_tally(session)


async def tallied_overdue_time_nodes(
    session: AsyncSession, req: RegionStatisticsRequest, today: date
) -> Counts:
    """overdue_time_nodes for a regulator by region: the open items' counters of the
    due dates before today (and in the window), summed per region."""
    t = OpenItemTally
    query = (
        select(t.region_code, func.sum(t.n))
        .where(
            t.due_date < today,
            *_prefixes(t.region_code, req),
            *_between(t.due_date, req),
        )
        .group_by(t.region_code)
    )
    return {r: {"overdue_time_nodes": int(n)} for r, n in await session.execute(query) if n}


def _prefixes(column: Any, req: RegionStatisticsRequest) -> list[ColumnElement[bool]]:
    """The caller's region and the requested one, on a counter table's region code."""
    wanted = (req.scope.region_prefix, req.region_prefix)
    return [column.startswith(p, autoescape=True) for p in wanted if p]


async def add_to_item_tally(session: AsyncSession, region: str, changes: dict[date, int]) -> None:
    rows = [{"region_code": region, "due_date": d, "n": n} for d, n in sorted(changes.items()) if n]
    await add_to_counters(session, OpenItemTally.__table__, rows)  # type: ignore[arg-type]


async def rebuild_item_tally(session: AsyncSession) -> None:
    """Recount the open items per region and due date (as migration 0022 does)."""
    t = OpenItemTally
    await session.execute(delete(t))
    query = (
        _engagements(Unit.region_code, ListItem.due_date, func.count())
        .join(ListItem, ListItem.engagement_id == Engagement.id)
        .where(
            ListItem.status == ListItemStatus.OPEN,
            ListItem.voided_at.is_(None),
            ListItem.due_date.is_not(None),
        )
        .group_by(Unit.region_code, ListItem.due_date)
    )
    await session.execute(insert(t).from_select(["region_code", "due_date", "n"], query))
