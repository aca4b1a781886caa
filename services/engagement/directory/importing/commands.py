"""The bulk import of units: read the file, check every row, then import the good rows
batch by batch. Each batch runs in the caller's transaction (flush, never commit) with
one UnitRegisteredV1 per unit created in the outbox of that same transaction.

Re-running a file is safe: a row whose USCC is already in the caller's directory with
the same values is counted `unchanged`; with other values it is reported as `changed`
(the columns that differ) and left as it is: an import never overwrites a unit, a
correction goes through the unit's own mutations. A USCC registered by someone the
caller cannot see is entered as createUnit enters it (issue 14): a provisional link to
the registry's unit with the caller's own file of it, counted `created` like a new unit.

A unit's permits travel to the compliance service as one UnitPermitsImportedV1 per unit,
in the outbox of the batch's transaction, after the unit's UnitRegisteredV1: a new unit's
permits and the permits not yet registered of a unit already in the caller's directory.
A permit number the compliance service registered for another unit refuses the row
(`already_registered`); one registered for this unit is counted `permits_unchanged` and
not sent again. The compliance service checks once more when it registers (docs/api.md,
"Importing units with their permits").
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.core import Message, NotAuthorized, Scope, ValidationFailed
from contracts.engagement.event_data import (
    ImportedPermit,
    UnitPermitsImportedData,
    UnitRegisteredData,
)
from contracts.engagement.events import UnitPermitsImportedV1, UnitRegisteredV1
from contracts.engagement.rpc_directory import CreateUnitRequest
from contracts.engagement.rpc_import import (
    UNITS_SHEET,
    ChangedRow,
    ImportReport,
    ImportUnitsRequest,
    RowProblem,
)
from kit import search
from kit.events import make_event
from kit.ids import new_id
from kit.outbox import record_events
from kit.rpc import CallContext
from services.engagement.directory.importing import domain, permit_rows, reader, repository
from services.engagement.models import Unit, messaging
from services.engagement.registry.commands import open_provisional

BATCH = 500
"""Rows per batch: bounded statements and IN lists, on PostgreSQL and SQLite alike."""


@dataclass
class Outcome:
    """What the batches did so far."""

    created: int = 0
    unchanged: int = 0
    changed: list[ChangedRow] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    permits: int = 0
    permits_unchanged: int = 0
    rejected_permit_rows: int = 0


async def import_units(
    session: AsyncSession, req: ImportUnitsRequest, ctx: CallContext
) -> ImportReport:
    """The request/reply import (GraphQL): the whole file in one transaction."""
    permits = None
    if req.permits_file_name is not None or req.permits_content_base64 is not None:
        if req.permits_file_name is None or req.permits_content_base64 is None:
            raise ValidationFailed(
                "a permits file needs both its name and its content", field="permits"
            )
        permits = (req.permits_file_name, decode(req.permits_content_base64, "permits"))
    file = reader.read(req.file_name, decode(req.content_base64), permits)
    if file.permit_rows and not req.may_register_permits:
        # Permits are registerPermit's to enter: the same right, whichever way they come.
        raise NotAuthorized("you may not register permits", field="permits")
    checked = domain.check_rows(file.rows, file.permit_rows)
    outcome = Outcome()
    for batch in batches(checked.units):
        await import_batch(session, batch, req.agency_id, req.scope, ctx, outcome, req.dry_run)
    return report(len(file.rows), checked, outcome, req.dry_run)


def decode(content_base64: str, where: str = "file") -> bytes:
    try:
        return base64.b64decode(content_base64, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationFailed("the file content is not valid base64", field=where) from None


def batches(units: list[domain.UnitRow], size: int = BATCH) -> Iterator[list[domain.UnitRow]]:
    for start in range(0, len(units), size):
        yield units[start : start + size]


async def import_batch(
    session: AsyncSession,
    batch: list[domain.UnitRow],
    agency_id: UUID,
    scope: Scope,
    ctx: CallContext,
    outcome: Outcome,
    dry_run: bool = False,
) -> None:
    """Sort a batch's rows against the directory and the registered permits and, unless
    dry, create the new units and hand over the permits not registered yet."""
    known = await repository.registered(session, [u.uscc for u in batch], scope)
    holders = await repository.permit_holders(
        session, [p.number for row in batch for p in row.permits]
    )
    new: list[domain.UnitRow] = []
    provisional: list[tuple[UUID, domain.UnitRow]] = []
    handed: list[tuple[UUID, str, list[ImportedPermit]]] = []
    for row in batch:
        hit = known.get(row.uscc)
        unit_id = hit.unit_id if hit is not None else None
        if _held_elsewhere(row, unit_id, holders, outcome):
            continue
        fresh = [p for p in row.permits if p.number not in holders]
        if hit is not None and not hit.visible:
            # A USCC the registry has, not the caller's: created as createUnit does, a
            # provisional link with the agency's own file (issue 14). Counted as a new
            # unit's row is, permits included: the report must not tell the two apart.
            outcome.permits += len(row.permits)
            provisional.append((hit.unit_id, replace(row, permits=tuple(fresh))))
            continue
        outcome.permits += len(fresh)
        outcome.permits_unchanged += len(row.permits) - len(fresh)
        if hit is None:
            new.append(replace(row, permits=tuple(fresh)))
            continue
        if columns := domain.differences(row, hit.stored):
            outcome.changed.append(ChangedRow(row=row.row, unit_id=hit.unit_id, columns=columns))
        else:
            outcome.unchanged += 1
        if fresh:
            handed.append((hit.unit_id, row.uscc, fresh))
    if not dry_run:
        created = await _create(session, new, agency_id, ctx)
        for unit_id, row in provisional:
            await _open_provisional(session, unit_id, row, agency_id, ctx)
        created.update({row.uscc: unit_id for unit_id, row in provisional})
        entered = [*new, *(row for _, row in provisional)]
        handed = [(created[r.uscc], r.uscc, list(r.permits)) for r in entered if r.permits] + handed
        await _hand_over(session, handed, agency_id, ctx)
    outcome.created += len(new) + len(provisional)


async def _open_provisional(
    session: AsyncSession, unit_id: UUID, row: domain.UnitRow, agency_id: UUID, ctx: CallContext
) -> None:
    """The agency's provisional link and own file of a registry unit, as createUnit makes
    them, with the rest of the row (legal representative, outlets, contact) on the file."""
    unit = await session.get(Unit, unit_id)
    assert unit is not None  # found by its USCC in this transaction
    entry = CreateUnitRequest(
        name=row.name,
        uscc=row.uscc,
        industry_code=row.industry_code,
        address=row.address,
        agency_id=agency_id,
    )
    file = await open_provisional(session, ctx, unit, entry)
    file.legal_representative, file.outlets = row.legal_representative, row.outlets
    if (c := row.contact) is not None:
        contact = {"name": c.name, "title": c.title, "phone": c.phone, "email": c.email}
        await repository.add_file_contact(session, unit_id, file.id, contact)
    await session.flush()


def _held_elsewhere(
    row: domain.UnitRow, unit_id: UUID | None, holders: dict[str, UUID], outcome: Outcome
) -> bool:
    """A permit of the row registered for another unit refuses the row, as a bad cell does."""
    taken = [p for p in row.permits if p.number in holders and holders[p.number] != unit_id]
    for p in taken:
        said = Message("permit {number} is already registered", {"number": p.number})
        outcome.problems.append(
            permit_rows.problem(p.row, "permitNumber", "already_registered", said)
        )
    if taken:
        said = Message(
            "a permit of this unit is refused: rows {rows} of the 排污许可证 sheet",
            {"rows": [str(p.row) for p in taken]},
        )
        outcome.problems.append(domain.problem(row.row, None, "permit_refused", said))
        outcome.rejected_permit_rows += len(taken)
    return bool(taken)


async def _hand_over(
    session: AsyncSession,
    handed: list[tuple[UUID, str, list[ImportedPermit]]],
    agency_id: UUID,
    ctx: CallContext,
) -> None:
    """One UnitPermitsImportedV1 per unit, recorded after the batch's UnitRegisteredV1s."""
    events = [
        make_event(
            UnitPermitsImportedV1,
            ctx,
            UnitPermitsImportedData(unit_id=unit_id, uscc=code, agency_id=agency_id, permits=ps),
        )
        for unit_id, code, ps in handed
    ]
    if events:
        await record_events(session, messaging, events)


async def _create(
    session: AsyncSession, rows: list[domain.UnitRow], agency_id: UUID, ctx: CallContext
) -> dict[str, UUID]:
    """Create the units; their ids by USCC."""
    now = datetime.now(UTC)
    ids: dict[str, UUID] = {}
    units: list[dict[str, Any]] = []
    contacts: list[dict[str, Any]] = []
    grams: list[dict[str, Any]] = []
    events = []
    for row in rows:
        unit_id = ids[row.uscc] = new_id()
        units.append(
            {
                "id": unit_id,
                "name": row.name,
                "uscc": row.uscc,
                "industry_code": row.industry_code,
                "address": row.address,
                "region_code": row.region_code,
                "agency_id": agency_id,
                "created_at": now,
                "created_by": ctx.actor,
                "legal_representative": row.legal_representative,
                "outlets": row.outlets,
                # The same search form createUnit stores (directory/search.index_unit).
                "search_name": search.normalize(row.name),
            }
        )
        grams.extend({"gram": g, "owner_id": unit_id} for g in sorted(search.grams(row.name)))
        if (c := row.contact) is not None:
            contacts.append(
                {
                    "id": new_id(),
                    "unit_id": unit_id,
                    "position": 0,
                    "name": c.name,
                    "title": c.title,
                    "phone": c.phone,
                    "email": c.email,
                }
            )
        data = UnitRegisteredData(
            unit_id=unit_id,
            name=row.name,
            uscc=row.uscc,
            industry_code=row.industry_code,
            region_code=row.region_code,
            registered_by_agency_id=agency_id,
        )
        events.append(make_event(UnitRegisteredV1, ctx, data))
    try:
        await repository.add_units(session, units, contacts, grams)
    except IntegrityError:
        # Another import or createUnit registered one of these USCCs since the lookup:
        # the caller's transaction rolls back whole, and a re-run sorts the rows anew.
        raise ValidationFailed(
            "some units of this file were registered at the same time by someone else; "
            "run the import again",
            field="file",
        ) from None
    # The importing agency's links to its new units (issue 14: links, not who typed first).
    await repository.add_links(session, [*ids.values()], agency_id, now)
    await record_events(session, messaging, events)
    return ids


def report(rows: int, checked: domain.Checked, outcome: Outcome, dry_run: bool) -> ImportReport:
    problems = sorted(
        [*checked.problems, *outcome.problems], key=lambda p: (p.sheet != UNITS_SHEET, p.row)
    )
    refused_later = {p.row for p in outcome.problems if p.sheet == UNITS_SHEET}
    return ImportReport(
        rows=rows,
        created=outcome.created,
        unchanged=outcome.unchanged,
        changed=sorted(outcome.changed, key=lambda c: c.row),
        problems=problems,
        rejected_rows=checked.rejected_rows + len(refused_later),
        dry_run=dry_run,
        permits=outcome.permits,
        permits_unchanged=outcome.permits_unchanged,
        rejected_permit_rows=checked.rejected_permit_rows + outcome.rejected_permit_rows,
    )
