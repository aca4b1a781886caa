"""All SQL of the directory: units, agencies and people."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.core import Scope
from services.engagement.models import Agency, Person, Unit
from services.engagement.repository import AnySelect, unit_scope


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


def units_query(scope: Scope) -> AnySelect:
    return select(Unit).where(unit_scope(scope))


async def agency(session: AsyncSession, agency_id: UUID) -> Agency | None:
    return await session.get(Agency, agency_id)


async def agency_by_uscc(session: AsyncSession, uscc: str) -> Agency | None:
    return await session.scalar(select(Agency).where(Agency.uscc == uscc))


async def people(session: AsyncSession, agency_id: UUID, experts_only: bool) -> list[Person]:
    """An agency's people by name; with `experts_only`, its expert pool."""
    query = select(Person).where(Person.agency_id == agency_id).order_by(Person.name)
    if experts_only:
        query = query.where(Person.expert.is_(True))
    return list(await session.scalars(query))
