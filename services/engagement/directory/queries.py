"""Directory reads: units (by id, by USCC, paged), unit profiles, agencies, people."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.engagement import rpc
from contracts.engagement import rpc_directory as engagement_rpc_directory
from contracts.engagement.rpc_workflow import RevisionView
from kit.keyset import page_of
from services.engagement.directory import repository, uscc
from services.engagement.directory.views import (
    agency_profile,
    person_view,
    unit_profile,
    unit_view,
)
from services.engagement.models import Unit


async def get_units(
    session: AsyncSession, req: rpc.GetManyRequest
) -> engagement_rpc_directory.UnitsReply:
    found = await repository.units_by_ids(session, req.ids, req.scope)
    return engagement_rpc_directory.UnitsReply(
        items=[unit_view(found[i]) if i in found else None for i in req.ids]
    )


async def get_units_by_uscc(
    session: AsyncSession, req: engagement_rpc_directory.UnitsByUsccRequest
) -> engagement_rpc_directory.UnitsReply:
    codes = [uscc.normalize(code) for code in req.usccs]
    found = await repository.units_by_usccs(session, codes, req.scope)
    return engagement_rpc_directory.UnitsReply(
        items=[unit_view(found[c]) if c in found else None for c in codes]
    )


async def list_units(
    session: AsyncSession, req: engagement_rpc_directory.ListUnitsRequest
) -> engagement_rpc_directory.UnitPage:
    rows, has_next, total = await page_of(session, repository.units_query(req), Unit.id, req.page)
    return engagement_rpc_directory.UnitPage(
        items=[unit_view(r[0]) for r in rows], has_next=has_next, total=total
    )


async def unit_profiles(
    session: AsyncSession, req: engagement_rpc_directory.UnitProfileRequest
) -> engagement_rpc_directory.UnitProfileReply:
    # A past agency reads its engagements, not the unit's file as it is today.
    found = await repository.readable_profiles(session, req.unit_ids, req.scope)
    return engagement_rpc_directory.UnitProfileReply(
        items=[unit_profile(found[i]) if i in found else None for i in req.unit_ids]
    )


async def unit_versions(
    session: AsyncSession, req: engagement_rpc_directory.UnitVersionsRequest
) -> engagement_rpc_directory.UnitVersionsReply:
    visible = await repository.readable_profiles(session, req.unit_ids, req.scope)
    found = await repository.unit_revisions(session, list(visible))
    return engagement_rpc_directory.UnitVersionsReply(
        items=[
            [RevisionView.from_row(r) for r in found.get(i, [])] if i in visible else []
            for i in req.unit_ids
        ]
    )


async def get_agency(
    session: AsyncSession, req: engagement_rpc_directory.AgencyRequest
) -> engagement_rpc_directory.AgencyReply:
    agency = await repository.agency(session, req.agency_id)
    return engagement_rpc_directory.AgencyReply(agency=agency_profile(agency) if agency else None)


async def list_people(
    session: AsyncSession, req: engagement_rpc_directory.PeopleRequest
) -> engagement_rpc_directory.PeopleReply:
    people = await repository.people(session, req.agency_id, req.experts_only)
    return engagement_rpc_directory.PeopleReply(items=[person_view(p) for p in people])
