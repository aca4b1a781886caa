"""All SQL of the directory: units, agencies and people."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, func, null, select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.core import Scope
from contracts.engagement.rpc_directory import ListUnitsRequest, UnitView
from kit.keyset import AnySelect
from kit.search import search_text
from services.engagement.directory.search import own_file, unit_matches
from services.engagement.models import (
    Agency,
    Engagement,
    Person,
    Revision,
    Unit,
    UnitFile,
)
from services.engagement.repository import (
    unit_file_scope,
    unit_scope,
    unit_write_scope,
    writable_region,
)


async def unit_by_uscc(session: AsyncSession, uscc: str) -> Unit | None:
    return (await session.execute(select(Unit).where(Unit.uscc == uscc))).scalar_one_or_none()


async def units_by_ids(
    session: AsyncSession, ids: Sequence[UUID], scope: Scope
) -> dict[UUID, Unit]:
    if not ids:
        return {}
    rows = await session.execute(select(Unit).where(Unit.id.in_(ids), unit_scope(scope)))
    return {u.id: u for u in rows.scalars()}


# What a unit's view shows (`UnitView`), and the same of an agency's own file of it
# with the unit it is of: `get_units` reads these as plain rows, not ORM units whose
# every profile column (outlets as JSON, coordinates as decimals) was converted for a
# reply that shows none of them.
_UNIT_VIEW = tuple(Unit.__table__.c[name] for name in UnitView.model_fields)
_FROM_REGISTRY = ("id", "uscc", "region_code")  # a file's view shows the unit's
_FILE_VIEW = (
    UnitFile.unit_id,
    *(UnitFile.__table__.c[name] for name in UnitView.model_fields if name not in _FROM_REGISTRY),
)


async def unit_view_rows(
    session: AsyncSession, ids: Sequence[UUID], scope: Scope
) -> dict[UUID, Any]:
    """The units among `ids` the caller may see, as plain rows of their view's columns."""
    if not ids:
        return {}
    rows = await session.execute(select(*_UNIT_VIEW).where(Unit.id.in_(ids), unit_scope(scope)))
    return {row.id: row for row in rows}


async def own_file_view_rows(
    session: AsyncSession, unit_ids: Sequence[UUID], scope: Scope
) -> dict[UUID, Any]:
    """`own_files` as plain rows of what a unit's view shows of a file, by unit id."""
    if scope.agency_id is None or not unit_ids:
        return {}
    rows = await session.execute(select(*_FILE_VIEW).where(*_still_own(unit_ids, scope.agency_id)))
    return {row.unit_id: row for row in rows}


async def writable_units(
    session: AsyncSession, ids: Sequence[UUID], scope: Scope
) -> dict[UUID, Unit]:
    """The units among `ids` whose file the caller may change and read today (表 A.1,
    its versions) or open engagements for: for an agency, those of its active links."""
    if not ids:
        return {}
    rows = await session.execute(select(Unit).where(Unit.id.in_(ids), unit_write_scope(scope)))
    return {u.id: u for u in rows.scalars()}


async def writable_regions(
    session: AsyncSession, ids: Sequence[UUID], scope: Scope
) -> dict[UUID, str]:
    """The units among `ids` that `writable_units` gives, each with its region code (what
    opening an engagement needs of them), without loading the units."""
    if len(ids) == 1:
        [unit] = ids
        found = await writable_region(session, unit, scope)
        return {} if found is None else {unit: found}
    if not ids:
        return {}
    rows = await session.execute(
        select(Unit.id, Unit.region_code).where(Unit.id.in_(ids), unit_write_scope(scope))
    )
    return {row.id: row.region_code for row in rows}


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
    query = select(UnitFile).where(*_still_own(unit_ids, scope.agency_id))
    return {f.unit_id: f for f in await session.scalars(query)}


def _still_own(unit_ids: Sequence[UUID], agency_id: UUID) -> tuple[ColumnElement[bool], ...]:
    """The agency's files of these units that it still reads as its own: its link is
    provisional, the unit has not consented to share the registry's file yet."""
    return (
        UnitFile.unit_id.in_(unit_ids),
        UnitFile.agency_id == agency_id,
        UnitFile.shared_at.is_(None),
    )


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
