"""All SQL of what the calendar learns from other services' events."""

from __future__ import annotations

import typing
from datetime import date, datetime
from uuid import UUID

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from kit.db import dialect_insert
from services.compliance.models import (
    EngagementCover,
    EngagementLink,
    Occurrence,
    UnitAgency,
    UnitEntry,
    UnwaitedProposal,
)


async def unit(session: AsyncSession, unit_id: UUID) -> UnitEntry | None:
    return await session.get(UnitEntry, unit_id)


async def engagement(session: AsyncSession, engagement_id: UUID) -> EngagementLink | None:
    return await session.get(EngagementLink, engagement_id)


async def link_engagement(
    session: AsyncSession,
    engagement_id: UUID,
    unit_id: UUID,
    agency_id: UUID,
    client_id: UUID | None = None,
) -> None:
    """Remember the engagement's unit, agency and client, unless known already: one
    statement (ON CONFLICT DO NOTHING) instead of a lookup and an insert."""
    await session.execute(
        dialect_insert(session)(typing.cast(Table, EngagementLink.__table__))
        .values(
            engagement_id=engagement_id, unit_id=unit_id, agency_id=agency_id, client_id=client_id
        )
        .on_conflict_do_nothing(index_elements=["engagement_id"])
    )


async def cover_units(session: AsyncSession, engagement_id: UUID, unit_ids: list[UUID]) -> None:
    """The units a client's engagement covers (idempotent: a redelivery adds none)."""
    if not unit_ids:
        return
    await session.execute(
        dialect_insert(session)(typing.cast(Table, EngagementCover.__table__))
        .values([{"engagement_id": engagement_id, "unit_id": u} for u in dict.fromkeys(unit_ids)])
        .on_conflict_do_nothing(index_elements=["engagement_id", "unit_id"])
    )


async def add_serving_agency(session: AsyncSession, unit_id: UUID, agency_id: UUID) -> None:
    await session.execute(
        dialect_insert(session)(typing.cast(Table, UnitAgency.__table__))
        .values(unit_id=unit_id, agency_id=agency_id)
        .on_conflict_do_nothing(index_elements=["unit_id", "agency_id"])
    )


async def set_link(
    session: AsyncSession, unit_id: UUID, agency_id: UUID, active: bool, provisional: bool = False
) -> None:
    """The agency's link to the unit as the latest link event says (idempotent). A link
    no longer provisional (the unit shared its file) drops the agency's own name."""
    row = await session.get(UnitAgency, (unit_id, agency_id))
    if row is None:
        row = UnitAgency(unit_id=unit_id, agency_id=agency_id)
        session.add(row)
    row.active, row.provisional = active, provisional
    if not provisional:
        row.file_name = None
    await session.flush()


async def set_file_name(session: AsyncSession, unit_id: UUID, agency_id: UUID, name: str) -> None:
    """The name in the agency's own file of the unit, shown to that agency alone."""
    row = await session.get(UnitAgency, (unit_id, agency_id))
    if row is None:
        row = UnitAgency(unit_id=unit_id, agency_id=agency_id, active=True, provisional=True)
        session.add(row)
    if row.provisional:
        row.file_name = name
    await session.flush()


async def engagement_occurrence(
    session: AsyncSession, source_id: UUID, rule_code: str
) -> Occurrence | None:
    query = select(Occurrence).where(
        Occurrence.source_id == source_id, Occurrence.rule_code == rule_code
    )
    return (await session.execute(query)).scalars().first()


async def keep_unwaited(
    session: AsyncSession,
    request_id: UUID,
    uscc: str,
    agency_id: UUID,
    expires_on: date | None,
    opened_at: datetime,
) -> None:
    if await session.get(UnwaitedProposal, request_id) is None:
        session.add(
            UnwaitedProposal(
                request_id=request_id,
                uscc=uscc,
                agency_id=agency_id,
                expires_on=expires_on,
                opened_at=opened_at,
            )
        )
        await session.flush()


async def unwaited(session: AsyncSession, uscc: str) -> list[UnwaitedProposal]:
    query = select(UnwaitedProposal).where(UnwaitedProposal.uscc == uscc)
    return list((await session.execute(query.order_by(UnwaitedProposal.request_id))).scalars())


async def forget_unwaited(session: AsyncSession, request_id: UUID) -> None:
    row = await session.get(UnwaitedProposal, request_id)
    if row is not None:
        await session.delete(row)
        await session.flush()
