"""SQL both subdomains share: which units and engagements a caller may see. Scoping is
applied here, so rows outside the caller's scope never leave the database."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import ColumnElement, false, func, select, union
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.core import Scope
from services.engagement.models import Engagement, Revision, Unit


def unit_scope(scope: Scope) -> ColumnElement[bool]:
    """Units a caller may see: its own unit, its agency's units, or its region's."""
    if scope.unit_id is not None:
        return Unit.id == scope.unit_id
    if scope.agency_id is not None:
        # One IN over a UNION of two index lookups, not `agency_id = … OR EXISTS(…)`:
        # PostgreSQL cannot use an index for that OR and scanned every unit (a search
        # among an agency's 300 units of 100k took 380 ms; docs/BENCHMARKS.md, search).
        registered = select(Unit.id).where(Unit.agency_id == scope.agency_id)
        served = select(Engagement.unit_id).where(Engagement.agency_id == scope.agency_id)
        return Unit.id.in_(union(registered, served))
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


async def last_version(session: AsyncSession, subject: str, subject_id: UUID) -> int:
    """The newest kept version of a subject; 0 when it has never been corrected."""
    found = await session.scalar(
        select(func.max(Revision.version)).where(
            Revision.subject == subject, Revision.subject_id == subject_id
        )
    )
    return int(found or 0)


async def revisions_of(session: AsyncSession, subject: str, subject_id: UUID) -> list[Revision]:
    query = select(Revision).where(Revision.subject == subject, Revision.subject_id == subject_id)
    return list(await session.scalars(query.order_by(Revision.version)))
