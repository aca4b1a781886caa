"""SQL both subdomains share: which units and engagements a caller may see, and keyset
pages. Scoping is applied here, so rows outside the caller's scope never leave the
database."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, exists, false, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.core import Page, Scope
from services.engagement.models import Engagement, Unit

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
