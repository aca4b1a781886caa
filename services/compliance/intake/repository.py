"""All SQL of what the calendar learns from other services' events."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from kit.db import insert_of
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


async def link_engagements(session: AsyncSession, links: Sequence[dict[str, Any]]) -> None:
    """Remember each engagement's unit, agency and client (keys: the columns of
    `EngagementLink`), unless known already: one prebuilt statement for all of them."""
    await _insert_new(session, EngagementLink.__table__, links)


async def cover_units(session: AsyncSession, covers: Sequence[dict[str, Any]]) -> None:
    """The units clients' engagements cover (keys `engagement_id`, `unit_id`;
    idempotent: a redelivery adds none)."""
    await _insert_new(session, EngagementCover.__table__, covers)


async def add_serving_agencies(session: AsyncSession, served: Sequence[dict[str, Any]]) -> None:
    """Agencies serving units (keys `unit_id`, `agency_id`), unless known already; a
    known link keeps its state (active, provisional, the agency's own name)."""
    await _insert_new(session, UnitAgency.__table__, served)


async def add_serving_agency(session: AsyncSession, unit_id: UUID, agency_id: UUID) -> None:
    await add_serving_agencies(session, [{"unit_id": unit_id, "agency_id": agency_id}])


async def _insert_new(session: AsyncSession, table: Any, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        statement = _insert_new_statement(table, session.get_bind().dialect.name)
        await session.execute(statement, list(rows))


@functools.cache
def _insert_new_statement(table: Table, dialect: str) -> Any:
    """INSERT … ON CONFLICT (primary key) DO NOTHING into the table, built once
    per backend and given its rows as parameters: a `.values()` built per event was
    compiled, or at least cache-keyed, per event (docs/BENCHMARKS.md §17, sixth round).
    Executed with many rows it is one executemany, which inserts what the same rows
    one statement each would."""
    insert = insert_of(dialect)
    keys = [c.name for c in table.primary_key.columns]
    return insert(table).on_conflict_do_nothing(index_elements=keys)


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
