"""All SQL of occurrences and work items: the unit's stored occurrences, one occurrence
in scope, and the keyset pages of the calendar and of my work."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import (
    ColumnElement,
    and_,
    delete,
    false,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.compliance.enums import OccurrenceState
from contracts.core import Scope
from kit.db import dialect_insert
from kit.keyset import capped_total
from services.compliance.calendar import domain
from services.compliance.calendar.domain import DONE, OPEN, SUSPENDED, WAIVED
from services.compliance.models import Occurrence, Permit, UnitHorizon, WorkItem
from services.compliance.scope import calendar_in_scope, rows_in_scope

RULE_KINDS_EXCLUDED = ("list_item", "rectification")
"""Occurrences fed by engagement events; generation from rules leaves them alone."""


async def generated_of_unit(session: AsyncSession, unit_id: UUID) -> list[Occurrence]:
    query = select(Occurrence).where(
        Occurrence.unit_id == unit_id, Occurrence.kind.not_in(RULE_KINDS_EXCLUDED)
    )
    return list((await session.execute(query)).scalars())


async def generated_keys_of_unit(session: AsyncSession, unit_id: UUID) -> list[Any]:
    """What generation compares: the key, state and scheduled fields of each row."""
    o = Occurrence
    query = select(
        o.id,
        o.source_id,
        o.rule_code,
        o.period_label,
        o.status,
        o.due_date,
        o.title_zh,
        o.statement_only,
        o.lead_days,
    ).where(o.unit_id == unit_id, o.kind.not_in(RULE_KINDS_EXCLUDED))
    return list((await session.execute(query)).all())


async def insert_many(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    if rows:
        await session.execute(insert(Occurrence), rows)


async def update_open(session: AsyncSession, occurrence_id: UUID, **values: Any) -> None:
    await session.execute(
        update(Occurrence)
        .where(Occurrence.id == occurrence_id, Occurrence.status.in_((OPEN, SUSPENDED)))
        .values(**values)
    )


async def remove(session: AsyncSession, ids: list[UUID]) -> None:
    if ids:
        await session.execute(delete(Occurrence).where(Occurrence.id.in_(ids)))


async def units_to_regenerate(session: AsyncSession, today: date, version: str) -> list[UUID]:
    """Units with permits that were never generated, whose day has come, or whose
    occurrences follow another rule set than `version`."""
    h = UnitHorizon
    query = (
        select(Permit.unit_id)
        .distinct()
        .outerjoin(h, h.unit_id == Permit.unit_id)
        .where(or_(h.unit_id.is_(None), h.next_on <= today, h.ruleset_version != version))
        .order_by(Permit.unit_id)
    )
    return list((await session.execute(query)).scalars())


async def record_generated(
    session: AsyncSession, unit_id: UUID, version: str, today: date, next_on: date
) -> None:
    values = {"ruleset_version": version, "generated_on": today, "next_on": next_on}
    # An upsert: another replica's scan may generate the same unit at the same time.
    statement = dialect_insert(session)(UnitHorizon).values(unit_id=unit_id, **values)
    await session.execute(
        statement.on_conflict_do_update(index_elements=[UnitHorizon.unit_id], set_=values)
    )


async def occurrence(session: AsyncSession, occurrence_id: UUID, scope: Scope) -> Occurrence | None:
    query = select(Occurrence).where(Occurrence.id == occurrence_id, _visible(scope))
    return (await session.execute(query.with_for_update())).scalar_one_or_none()


async def by_source(session: AsyncSession, source_id: UUID, rule_code: str) -> list[Occurrence]:
    query = select(Occurrence).where(
        Occurrence.source_id == source_id, Occurrence.rule_code == rule_code
    )
    return list((await session.execute(query)).scalars())


def _visible(scope: Scope) -> ColumnElement[bool]:
    return calendar_in_scope(
        scope,
        unit_id=Occurrence.unit_id,
        agency_id=Occurrence.agency_id,
        region_code=Occurrence.region_code,
        engagement_id=Occurrence.engagement_id,
    )


def state_condition(
    states: list[OccurrenceState], today: date, soon_days: int
) -> ColumnElement[bool] | None:
    """The SQL of the wanted states: open ones by their due date against today. Open
    states come out as `status = 'open' AND <due range>`, so the (owner, status,
    due_date) indexes serve them."""
    if not states:
        return None
    soon = today + timedelta(days=soon_days)
    due = Occurrence.due_date
    ranges = {
        OccurrenceState.OVERDUE: due < today,
        OccurrenceState.DUE_SOON: and_(due >= today, due <= soon),
        OccurrenceState.UPCOMING: due > soon,
    }
    closed = {
        OccurrenceState.DONE: DONE,
        OccurrenceState.WAIVED: WAIVED,
        OccurrenceState.SUSPENDED: SUSPENDED,
    }
    parts: list[ColumnElement[bool]] = []
    wanted_open = [s for s in ranges if s in states]
    if len(wanted_open) == len(ranges):
        parts.append(Occurrence.status == OPEN)
    elif wanted_open:
        parts.append(and_(Occurrence.status == OPEN, or_(*(ranges[s] for s in wanted_open))))
    wanted_closed = [closed[s] for s in closed if s in states]
    if wanted_closed:
        parts.append(Occurrence.status.in_(wanted_closed))
    return parts[0] if len(parts) == 1 else or_(*parts)


def occurrence_filters(
    scope: Scope,
    *,
    unit_id: UUID | None,
    engagement_id: UUID | None,
    agency_id: UUID | None,
    from_date: date | None,
    to_date: date | None,
    kinds: list[str],
    states: ColumnElement[bool] | None,
) -> list[ColumnElement[bool]]:
    where = [_visible(scope)]
    if unit_id is not None:
        where.append(Occurrence.unit_id == unit_id)
    if engagement_id is not None:
        where.append(Occurrence.engagement_id == engagement_id)
    if agency_id is not None:
        where.append(Occurrence.agency_id == agency_id)
    if from_date is not None:
        where.append(Occurrence.due_date >= from_date)
    if to_date is not None:
        where.append(Occurrence.due_date <= to_date)
    if kinds:
        where.append(Occurrence.kind.in_(kinds))
    if states is not None:
        where.append(states)
    return where


async def occurrence_page(
    session: AsyncSession,
    where: list[ColumnElement[bool]],
    after_due: date | None,
    after_id: UUID | None,
    limit: int,
) -> tuple[list[Occurrence], bool, int]:
    """Keyset page in (due date, id) order, with has_next and the capped total."""
    total = await capped_total(session, select(Occurrence.id).where(*where))
    query = select(Occurrence).where(*where)
    if after_due is not None and after_id is not None:
        query = query.where(
            or_(
                Occurrence.due_date > after_due,
                and_(Occurrence.due_date == after_due, Occurrence.id > after_id),
            )
        )
    query = query.order_by(Occurrence.due_date, Occurrence.id).limit(limit + 1)
    rows = list((await session.execute(query)).scalars())
    return rows[:limit], len(rows) > limit, int(total)


def work_filters(
    scope: Scope,
    *,
    kinds: list[str],
    unit_id: UUID | None,
    engagement_id: UUID | None,
    from_date: date | None,
    to_date: date | None,
) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [
        WorkItem.is_open.is_(True),
        WorkItem.kind.in_(kinds),
        rows_in_scope(
            scope,
            unit_id=WorkItem.unit_id,
            agency_id=WorkItem.agency_id,
            region_code=WorkItem.region_code,
            engagement_id=WorkItem.engagement_id,
        ),
    ]
    not_theirs = domain.work_not_waiting_for(scope)
    if not_theirs:
        where.append(WorkItem.kind.not_in(not_theirs))
    if unit_id is not None:
        where.append(WorkItem.unit_id == unit_id)
    if engagement_id is not None:
        where.append(WorkItem.engagement_id == engagement_id)
    if from_date is not None:
        where.append(WorkItem.due_date >= from_date)
    if to_date is not None:
        where.append(WorkItem.due_date <= to_date)
    return where


NO_DUE_DATE = date.max
"""Where a step without a due date sorts in my work: after every dated one."""


def work_due() -> ColumnElement[date]:
    return func.coalesce(WorkItem.due_date, NO_DUE_DATE)


def work_state_condition(
    states: list[OccurrenceState], today: date, soon_days: int
) -> ColumnElement[bool] | None:
    """Open steps in the wanted states, from their due date as for occurrences; a step
    without one is upcoming. None: every open step."""
    soon = today + timedelta(days=soon_days)
    due = WorkItem.due_date
    ranges = {
        OccurrenceState.OVERDUE: due < today,
        OccurrenceState.DUE_SOON: and_(due >= today, due <= soon),
        OccurrenceState.UPCOMING: or_(due > soon, due.is_(None)),
    }
    wanted = [ranges[s] for s in ranges if s in states]
    if not states or len(wanted) == len(ranges):
        return None
    return or_(*wanted) if wanted else false()


async def work_page(
    session: AsyncSession,
    where: list[ColumnElement[bool]],
    after: tuple[date, UUID] | None,
    limit: int,
) -> tuple[list[WorkItem], int]:
    """Open steps in (due date, steps without one last; id) order after the cursor, and
    how many there are in all (capped)."""
    total = await capped_total(session, select(WorkItem.id).where(*where))
    query = select(WorkItem).where(*where)
    if after is not None:
        after_due, after_id = after
        query = query.where(
            or_(work_due() > after_due, and_(work_due() == after_due, WorkItem.id > after_id))
        )
    query = query.order_by(work_due(), WorkItem.id).limit(limit + 1)
    return list((await session.execute(query)).scalars()), int(total)


async def work_item(session: AsyncSession, kind: str, source_id: UUID) -> WorkItem | None:
    query = select(WorkItem).where(WorkItem.kind == kind, WorkItem.source_id == source_id)
    return (await session.execute(query)).scalar_one_or_none()


async def open_work_of_engagement(
    session: AsyncSession, kind: str, engagement_id: UUID
) -> list[WorkItem]:
    query = select(WorkItem).where(
        WorkItem.kind == kind, WorkItem.engagement_id == engagement_id, WorkItem.is_open
    )
    return list((await session.execute(query)).scalars())


def values(row: Any) -> dict[str, Any]:
    return {c.key: getattr(row, c.key) for c in Occurrence.__table__.columns}
