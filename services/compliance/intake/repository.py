"""All SQL of what the calendar learns from other services' events."""

from __future__ import annotations

import typing
from uuid import UUID

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from kit.db import dialect_insert
from services.compliance.models import EngagementLink, Occurrence, UnitAgency, UnitEntry


async def unit(session: AsyncSession, unit_id: UUID) -> UnitEntry | None:
    return await session.get(UnitEntry, unit_id)


async def engagement(session: AsyncSession, engagement_id: UUID) -> EngagementLink | None:
    return await session.get(EngagementLink, engagement_id)


async def link_engagement(
    session: AsyncSession, engagement_id: UUID, unit_id: UUID, agency_id: UUID
) -> None:
    """Remember the engagement's unit and agency, unless known already: one statement
    (ON CONFLICT DO NOTHING) instead of a lookup and an insert."""
    await session.execute(
        dialect_insert(session)(typing.cast(Table, EngagementLink.__table__))
        .values(engagement_id=engagement_id, unit_id=unit_id, agency_id=agency_id)
        .on_conflict_do_nothing(index_elements=["engagement_id"])
    )


async def add_serving_agency(session: AsyncSession, unit_id: UUID, agency_id: UUID) -> None:
    await session.execute(
        dialect_insert(session)(typing.cast(Table, UnitAgency.__table__))
        .values(unit_id=unit_id, agency_id=agency_id)
        .on_conflict_do_nothing(index_elements=["unit_id", "agency_id"])
    )


async def engagement_occurrence(
    session: AsyncSession, source_id: UUID, rule_code: str
) -> Occurrence | None:
    query = select(Occurrence).where(
        Occurrence.source_id == source_id, Occurrence.rule_code == rule_code
    )
    return (await session.execute(query)).scalars().first()
