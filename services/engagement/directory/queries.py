"""Directory reads: units (by id, by USCC, paged), unit profiles, agencies, people."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.engagement import rpc
from contracts.engagement import rpc_directory as engagement_rpc_directory
from contracts.engagement.enums import RevisionSubject
from contracts.engagement.rpc_directory import UnitView
from contracts.engagement.rpc_workflow import RevisionView
from kit.keyset import page_of
from kit.reply_structs import ReplyStruct
from kit.rpc import RawReply
from kit.struct_encoding import encoded_reply, row_struct
from services.engagement.directory import repository, uscc
from services.engagement.directory.views import (
    agency_profile,
    person_view,
    unit_profile,
    unit_view,
)
from services.engagement.models import Unit


async def get_units(session: AsyncSession, req: rpc.GetManyRequest) -> RawReply:
    """Units by id, as the caller sees them (`views.unit_view`), written from plain rows
    by msgspec (`kit.struct_encoding`): the dashboard asks for its 50 units, and the ORM
    units and the models cost more than the reply's bytes."""
    found = await repository.unit_view_rows(session, req.ids, req.scope)
    files = await repository.own_file_view_rows(session, list(found), req.scope)

    def view(unit: Any) -> ReplyStruct:
        file = files.get(unit.id)
        if file is None:
            return row_struct(UnitView, unit)
        return row_struct(UnitView, file, id=unit.id, uscc=unit.uscc, region_code=unit.region_code)

    return encoded_reply(
        engagement_rpc_directory.UnitsReply,
        items=[view(found[i]) if i in found else None for i in req.ids],
    )


async def get_units_by_uscc(
    session: AsyncSession, req: engagement_rpc_directory.UnitsByUsccRequest
) -> engagement_rpc_directory.UnitsReply:
    codes = [uscc.normalize(code) for code in req.usccs]
    found = await repository.units_by_usccs(session, codes, req.scope)
    files = await repository.own_files(session, [u.id for u in found.values()], req.scope)
    return engagement_rpc_directory.UnitsReply(
        items=[unit_view(found[c], files.get(found[c].id)) if c in found else None for c in codes]
    )


async def list_units(
    session: AsyncSession, req: engagement_rpc_directory.ListUnitsRequest
) -> engagement_rpc_directory.UnitPage:
    rows, has_next, total = await page_of(session, repository.units_query(req), Unit.id, req.page)
    return engagement_rpc_directory.UnitPage(
        items=[unit_view(r[0], r[1]) for r in rows], has_next=has_next, total=total
    )


async def unit_profiles(
    session: AsyncSession, req: engagement_rpc_directory.UnitProfileRequest
) -> engagement_rpc_directory.UnitProfileReply:
    # A past agency reads its engagements, not the unit's file as it is today.
    found = await repository.readable_profiles(session, req.unit_ids, req.scope)
    # An agency on a provisional link reads its own file (issue 14).
    files = await repository.own_files(session, list(found), req.scope)
    shown = {i: files.get(i) or unit for i, unit in found.items()}
    return engagement_rpc_directory.UnitProfileReply(
        items=[unit_profile(shown[i]) if i in shown else None for i in req.unit_ids]
    )


async def unit_versions(
    session: AsyncSession, req: engagement_rpc_directory.UnitVersionsRequest
) -> engagement_rpc_directory.UnitVersionsReply:
    visible = await repository.readable_profiles(session, req.unit_ids, req.scope)
    # An agency on a provisional link reads the versions of its own file (issue 14).
    files = await repository.own_files(session, list(visible), req.scope)
    found = await repository.unit_revisions(session, [i for i in visible if i not in files])
    by_file = await repository.unit_revisions(
        session, [f.id for f in files.values()], subject=RevisionSubject.UNIT_FILE
    )
    shown = {i: [RevisionView.from_row(r) for r in rows] for i, rows in found.items()}
    for unit_id, file in files.items():
        # Shown as the unit's versions, as those of a unit the agency entered new.
        shown[unit_id] = [
            RevisionView.from_row(r, subject=RevisionSubject.UNIT, subject_id=unit_id)
            for r in by_file[file.id]
        ]
    return engagement_rpc_directory.UnitVersionsReply(
        items=[shown.get(i, []) if i in visible else [] for i in req.unit_ids]
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
