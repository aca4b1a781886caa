"""All SQL of the bulk import: what the directory holds for a batch's USCCs and permit
numbers, the batch's units, contacts and search grams written with one statement per
table, and the permits the compliance service told us it registered."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast
from uuid import UUID

from sqlalchemy import String, Table, Uuid, and_, bindparam, func, insert, or_, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.core import Scope
from kit.ids import new_id
from services.engagement.directory.importing.domain import StoredUnit
from services.engagement.directory.repository import own_files
from services.engagement.directory.search import own_file
from services.engagement.models import (
    RegisteredPermit,
    Unit,
    UnitContact,
    UnitFile,
    UnitLink,
    unit_search_grams,
)
from services.engagement.repository import unit_scope


@dataclass(frozen=True)
class Registered:
    unit_id: UUID
    visible: bool
    """In the caller's scope: only then may the import say how its values compare."""
    stored: StoredUnit


async def registered(
    session: AsyncSession, usccs: Sequence[str], scope: Scope
) -> dict[str, Registered]:
    """The directory's units with these USCCs, whoever's they are."""
    if not usccs:
        return {}
    units = list(await session.scalars(select(Unit).where(Unit.uscc.in_(usccs))))
    if not units:
        return {}
    ids = [u.id for u in units]
    visible = set(await session.scalars(select(Unit.id).where(Unit.id.in_(ids), unit_scope(scope))))
    # Where the caller reads its own file of a unit (issue 14), the import compares with
    # that file and its contacts, never with the registry's.
    files = await own_files(session, [i for i in ids if i in visible], scope)
    contacts = {
        (c.unit_id, c.file_id): c
        for c in await session.scalars(
            select(UnitContact)
            .where(UnitContact.unit_id.in_(ids))
            .order_by(UnitContact.unit_id, UnitContact.position.desc())
        )
    }
    found = {}
    for u in units:
        file = files.get(u.id)
        shown: Unit | UnitFile = file or u
        c = contacts.get((u.id, file.id if file else None))
        values: dict[str, str | None] = {
            "name": shown.name,
            "industryCode": shown.industry_code,
            "address": shown.address,
            "regionCode": u.region_code,
            "legalRepresentative": shown.legal_representative,
            "contactName": c.name if c else None,
            "contactTitle": c.title if c else None,
            "contactPhone": c.phone if c else None,
            "contactEmail": c.email if c else None,
        }
        stored = StoredUnit(values, list(shown.outlets))
        found[u.uscc] = Registered(u.id, u.id in visible, stored)
    return found


async def add_file_contact(
    session: AsyncSession, unit_id: UUID, file_id: UUID, contact: dict[str, str | None]
) -> None:
    """A contact of an agency's own file of the unit (not the registry's)."""
    row = {"id": new_id(), "unit_id": unit_id, "file_id": file_id, "position": 0, **contact}
    await session.execute(insert(cast(Table, UnitContact.__table__)), [row])


async def add_units(
    session: AsyncSession,
    units: list[dict[str, Any]],
    contacts: list[dict[str, Any]],
    grams: list[dict[str, Any]],
) -> None:
    """Insert a batch: units first, then what refers to them. Core inserts of the tables,
    not the ORM's bulk path: thousands of plain rows, no objects wanted back."""
    if units:
        await session.execute(insert(cast(Table, Unit.__table__)), units)
    if contacts:
        await session.execute(insert(cast(Table, UnitContact.__table__)), contacts)
    if grams:
        await _insert_grams(session, grams)


async def add_links(
    session: AsyncSession, unit_ids: list[UUID], agency_id: UUID, since: datetime
) -> None:
    """The importing agency's active links to the units it entered (their
    UnitRegisteredV1 names the agency, as createUnit's link does)."""
    if unit_ids:
        rows = [
            {"unit_id": u, "agency_id": agency_id, "status": "active", "via": "registered",
             "since": since}
            for u in unit_ids
        ]  # fmt: skip
        await session.execute(insert(cast(Table, UnitLink.__table__)), rows)


async def _insert_grams(session: AsyncSession, grams: list[dict[str, Any]]) -> None:
    """The batch's search grams (two dozen a name: most of an import's rows) as one
    parameter instead of one parameter set per row, where the database can unpack it:
    arrays unnested side by side on PostgreSQL, a JSON array on SQLite (whose Uuid
    columns hold 32 hex digits)."""
    columns = ["gram", "owner_id"]
    dialect = (await session.connection()).dialect.name
    if dialect == "postgresql":
        letters = bindparam("grams", [g["gram"] for g in grams], type_=ARRAY(String))
        owners = bindparam("owners", [g["owner_id"] for g in grams], type_=ARRAY(Uuid))
        rows = select(func.unnest(letters), func.unnest(owners))
    elif dialect == "sqlite":
        pairs = json.dumps([[g["gram"], g["owner_id"].hex] for g in grams], ensure_ascii=False)
        each = func.json_each(bindparam("pairs", pairs, type_=String)).table_valued("value")
        rows = select(
            func.json_extract(each.c.value, "$[0]"), func.json_extract(each.c.value, "$[1]")
        )
    else:
        await session.execute(insert(unit_search_grams), grams)
        return
    await session.execute(insert(unit_search_grams).from_select(columns, rows))


async def contacts_of(
    session: AsyncSession, unit_ids: Sequence[UUID], scope: Scope
) -> dict[UUID, list[UnitContact]]:
    """The contacts of those of these units the caller may see, in their order."""
    if not unit_ids:
        return {}
    # The registry's contacts, or, where the caller agency reads its own file of the
    # unit (issue 14), that file's.
    mine = or_(
        and_(UnitFile.id.is_(None), UnitContact.file_id.is_(None)),
        UnitContact.file_id == UnitFile.id,
    )
    rows = await session.scalars(
        select(UnitContact)
        .join(Unit, Unit.id == UnitContact.unit_id)
        .outerjoin(UnitFile, own_file(scope))
        .where(UnitContact.unit_id.in_(unit_ids), unit_scope(scope), mine)
        .order_by(UnitContact.unit_id, UnitContact.position, UnitContact.id)
    )
    found: dict[UUID, list[UnitContact]] = {}
    for c in rows:
        found.setdefault(c.unit_id, []).append(c)
    return found


async def permit_holders(session: AsyncSession, numbers: Sequence[str]) -> dict[str, UUID]:
    """The unit holding each of these permit numbers, of those registered."""
    if not numbers:
        return {}
    rows = await session.execute(
        select(RegisteredPermit.number, RegisteredPermit.unit_id).where(
            RegisteredPermit.number.in_(numbers)
        )
    )
    return {number: unit_id for number, unit_id in rows.tuples()}


async def remember_permit(
    session: AsyncSession, number: str, permit_id: UUID, unit_id: UUID
) -> None:
    """Once per number: a redelivered event finds it there and changes nothing."""
    if await session.get(RegisteredPermit, number) is None:
        session.add(RegisteredPermit(number=number, permit_id=permit_id, unit_id=unit_id))
        await session.flush()
