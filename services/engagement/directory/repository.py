"""All SQL of the directory: units, agencies and people."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import func, null, select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.core import Scope
from contracts.engagement.rpc_directory import ListUnitsRequest
from kit.keyset import AnySelect
from kit.search import search_text
from services.engagement.directory.search import own_file, unit_matches
from services.engagement.models import Agency, Engagement, Person, Revision, Unit, UnitFile
from services.engagement.repository import unit_file_scope, unit_scope, unit_write_scope


async def unit_by_uscc(session: AsyncSession, uscc: str) -> Unit | None:
    return (await session.execute(select(Unit).where(Unit.uscc == uscc))).scalar_one_or_none()


async def units_by_ids(
    session: AsyncSession, ids: Sequence[UUID], scope: Scope
) -> dict[UUID, Unit]:
    if not ids:
        return {}
    rows = await session.execute(select(Unit).where(Unit.id.in_(ids), unit_scope(scope)))
    return {u.id: u for u in rows.scalars()}


async def writable_units(
    session: AsyncSession, ids: Sequence[UUID], scope: Scope
) -> dict[UUID, Unit]:
    """The units among `ids` whose file the caller may change and read today (表 A.1,
    its versions) or open engagements for: for an agency, those of its active links."""
    if not ids:
        return {}
    rows = await session.execute(select(Unit).where(Unit.id.in_(ids), unit_write_scope(scope)))
    return {u.id: u for u in rows.scalars()}


async def readable_profiles(
    session: AsyncSession, ids: Sequence[UUID], scope: Scope
) -> dict[UUID, Unit]:
    """The units among `ids` whose file as it is today the caller may read."""
    if not ids:
        return {}
    rows = await session.execute(select(Unit).where(Unit.id.in_(ids), unit_file_scope(scope)))
    return {u.id: u for u in rows.scalars()}


async def units_by_usccs(
    session: AsyncSession, usccs: Sequence[str], scope: Scope
) -> dict[str, Unit]:
    if not usccs:
        return {}
    rows = await session.execute(select(Unit).where(Unit.uscc.in_(usccs), unit_scope(scope)))
    return {u.uscc: u for u in rows.scalars()}


def units_query(req: ListUnitsRequest) -> AnySelect:
    """Units in scope, each (unit, the agency's own file of it or None), narrowed by the
    list's search and filters; where the agency reads its own file, on that file's values
    (a search for what the registry has finds nothing the agency did not type)."""
    query: AnySelect = (
        select(Unit, UnitFile).outerjoin(UnitFile, own_file(req.scope)).where(unit_scope(req.scope))
        if req.scope.agency_id is not None
        else select(Unit, null()).where(unit_scope(req.scope))
    )
    if (norm := search_text(req.search)) is not None:
        query = query.where(unit_matches(norm, own_files=req.scope.agency_id is not None))
    if req.industry_code is not None:
        industry = (
            func.coalesce(UnitFile.industry_code, Unit.industry_code)
            if req.scope.agency_id is not None
            else Unit.industry_code
        )
        query = query.where(industry.startswith(req.industry_code, autoescape=True))
    if req.region_code is not None:
        query = query.where(Unit.region_code.startswith(req.region_code, autoescape=True))
    return query


async def own_files(
    session: AsyncSession, unit_ids: Sequence[UUID], scope: Scope
) -> dict[UUID, UnitFile]:
    """The caller agency's own files of these units, where it still reads its own (a
    provisional link: the unit has not consented yet), by unit id."""
    if scope.agency_id is None or not unit_ids:
        return {}
    query = select(UnitFile).where(
        UnitFile.unit_id.in_(unit_ids),
        UnitFile.agency_id == scope.agency_id,
        UnitFile.shared_at.is_(None),
    )
    return {f.unit_id: f for f in await session.scalars(query)}


async def file_of(session: AsyncSession, unit_id: UUID, agency_id: UUID) -> UnitFile | None:
    """The agency's file of the unit, current or kept as its link's history."""
    query = select(UnitFile).where(UnitFile.unit_id == unit_id, UnitFile.agency_id == agency_id)
    return await session.scalar(query)


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


async def engagements_of_unit(
    session: AsyncSession, unit_id: UUID, agency_id: UUID | None = None
) -> list[UUID]:
    """The unit's engagements (with `agency_id`, that agency's only), oldest first: each
    one's trace records a correction."""
    query = select(Engagement.id).where(Engagement.unit_id == unit_id)
    if agency_id is not None:
        query = query.where(Engagement.agency_id == agency_id)
    return list(await session.scalars(query.order_by(Engagement.created_at, Engagement.id)))


async def unit_revisions(
    session: AsyncSession, unit_ids: Sequence[UUID], subject: str = "unit"
) -> dict[UUID, list[Any]]:
    """The versions of these (already scoped) units, oldest first; with subject
    `unit_file`, of these agency files (by file id)."""
    found: dict[UUID, list[Any]] = {i: [] for i in unit_ids}
    if unit_ids:
        table = Revision.__table__
        rows = await session.execute(
            select(*table.c)
            .where(table.c.subject == subject, table.c.subject_id.in_(unit_ids))
            .order_by(table.c.subject_id, table.c.version)
        )
        for row in rows:
            found[row.subject_id].append(row)
    return found
