"""All SQL of the engagement service. Scoping is applied here, so rows outside the
caller's scope never leave the database."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Select, String, cast, exists, false, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.core import Page, Scope
from contracts.engagement.rpc import ListEngagementsRequest
from services.engagement.models import Engagement, ListItem, Unit

# A select of any columns (SQLAlchemy 2.1 types a Select by its column tuple).
AnySelect = Select[*tuple[Any, ...]]


def unit_scope(scope: Scope) -> ColumnElement[bool]:
    """Units a caller may see: its own unit, its agency's units, or its region's."""
    if scope.unit_id is not None:
        return Unit.id == scope.unit_id
    if scope.agency_id is not None:
        served = exists().where(
            Engagement.unit_id == Unit.id, Engagement.agency_id == scope.agency_id
        )
        return (Unit.agency_id == scope.agency_id) | served
    if scope.region_prefix:
        return Unit.region_code.startswith(scope.region_prefix, autoescape=True)
    return false()


def engagement_scope(scope: Scope) -> ColumnElement[bool]:
    if scope.unit_id is not None:
        return Engagement.unit_id == scope.unit_id
    if scope.agency_id is not None:
        return Engagement.agency_id == scope.agency_id
    if scope.region_prefix:
        in_region = select(Unit.id).where(
            Unit.region_code.startswith(scope.region_prefix, autoescape=True)
        )
        return Engagement.unit_id.in_(in_region)
    return false()


async def unit_by_uscc(session: AsyncSession, uscc: str) -> Unit | None:
    return (await session.execute(select(Unit).where(Unit.uscc == uscc))).scalar_one_or_none()


async def units_by_ids(
    session: AsyncSession, ids: Sequence[UUID], scope: Scope
) -> dict[UUID, Unit]:
    if not ids:
        return {}
    rows = await session.execute(select(Unit).where(Unit.id.in_(ids), unit_scope(scope)))
    return {u.id: u for u in rows.scalars()}


async def units_by_usccs(
    session: AsyncSession, usccs: Sequence[str], scope: Scope
) -> dict[str, Unit]:
    if not usccs:
        return {}
    rows = await session.execute(select(Unit).where(Unit.uscc.in_(usccs), unit_scope(scope)))
    return {u.uscc: u for u in rows.scalars()}


async def engagements_by_ids(
    session: AsyncSession, ids: Sequence[UUID], scope: Scope
) -> dict[UUID, tuple[Engagement, str]]:
    """Engagements with their unit's region code, keyed by id."""
    if not ids:
        return {}
    rows = await session.execute(
        select(Engagement, Unit.region_code)
        .join(Unit, Unit.id == Engagement.unit_id)
        .where(Engagement.id.in_(ids), engagement_scope(scope))
    )
    return {e.id: (e, region) for e, region in rows}


async def page_of(
    session: AsyncSession, query: AnySelect, id_column: Any, page: Page
) -> tuple[list[Any], bool, int]:
    """Keyset page by UUIDv7 id (creation order), with has_next and the total."""
    total = (
        await session.execute(select(func.count()).select_from(query.order_by(None).subquery()))
    ).scalar_one()
    if page.after is not None:
        query = query.where(id_column > page.after)
    rows = list((await session.execute(query.order_by(id_column).limit(page.limit + 1))).all())
    return rows[: page.limit], len(rows) > page.limit, int(total)


def units_query(scope: Scope) -> AnySelect:
    return select(Unit).where(unit_scope(scope))


def engagements_query(req: ListEngagementsRequest, today: date) -> AnySelect:
    """Engagements in scope, narrowed by the list's filters."""
    query: AnySelect = (
        select(Engagement, Unit.region_code)
        .join(Unit, Unit.id == Engagement.unit_id)
        .where(engagement_scope(req.scope))
    )
    if req.unit_id is not None:
        query = query.where(Engagement.unit_id == req.unit_id)
    if req.agency_id is not None:
        query = query.where(Engagement.agency_id == req.agency_id)
    if req.stage is not None:
        query = query.where(Engagement.status == req.stage)
    if req.service_mode is not None:
        # JSON arrays differ between backends; their text form does not: ["roving", …].
        token = f'%"{req.service_mode}"%'
        query = query.where(cast(Engagement.service_modes, String).like(token))
    if req.overdue is not None:
        late = exists().where(
            ListItem.engagement_id == Engagement.id,
            ListItem.status == "open",
            ListItem.due_date < today,
        )
        query = query.where(late if req.overdue else ~late)
    return query


async def lock_engagement(session: AsyncSession, engagement_id: UUID) -> None:
    """Serialise workflow steps on one engagement (PostgreSQL row lock; SQLite has a
    single writer already), so two concurrent steps cannot both pass a guard."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(
            select(Engagement.id).where(Engagement.id == engagement_id).with_for_update()
        )


async def engagements_by_ids_unscoped(
    session: AsyncSession, ids: Sequence[UUID]
) -> dict[UUID, Engagement]:
    """For the service's own reactions to events, which act for no caller."""
    rows = await session.scalars(select(Engagement).where(Engagement.id.in_(ids)))
    return {e.id: e for e in rows}
