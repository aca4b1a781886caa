"""All SQL of what the calendar learns from other services' events."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.compliance.models import EngagementLink, Occurrence, UnitAgency, UnitEntry


async def unit(session: AsyncSession, unit_id: UUID) -> UnitEntry | None:
    return await session.get(UnitEntry, unit_id)


async def engagement(session: AsyncSession, engagement_id: UUID) -> EngagementLink | None:
    return await session.get(EngagementLink, engagement_id)


async def add_serving_agency(session: AsyncSession, unit_id: UUID, agency_id: UUID) -> None:
    if await session.get(UnitAgency, (unit_id, agency_id)) is None:
        session.add(UnitAgency(unit_id=unit_id, agency_id=agency_id, active=True))
        await session.flush()


async def set_link(session: AsyncSession, unit_id: UUID, agency_id: UUID, active: bool) -> None:
    """The agency's link to the unit as the latest link event says (idempotent)."""
    row = await session.get(UnitAgency, (unit_id, agency_id))
    if row is None:
        session.add(UnitAgency(unit_id=unit_id, agency_id=agency_id, active=active))
    else:
        row.active = active
    await session.flush()


async def engagement_occurrence(
    session: AsyncSession, source_id: UUID, rule_code: str
) -> Occurrence | None:
    query = select(Occurrence).where(
        Occurrence.source_id == source_id, Occurrence.rule_code == rule_code
    )
    return (await session.execute(query)).scalars().first()
