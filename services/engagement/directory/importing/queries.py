"""Reads of what the import brings beside the unit itself: its contacts."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.engagement.rpc_import import UnitContactsReply, UnitContactsRequest, UnitContactView
from services.engagement.directory.importing import repository


async def unit_contacts(session: AsyncSession, req: UnitContactsRequest) -> UnitContactsReply:
    found = await repository.contacts_of(session, req.unit_ids, req.scope)
    return UnitContactsReply(
        items=[
            [UnitContactView.from_row(c) for c in found.get(unit_id, [])]
            for unit_id in req.unit_ids
        ]
    )
