"""The bulk import of units: read the file, check every row, then import the good rows
batch by batch. Each batch runs in the caller's transaction (flush, never commit) with
one UnitRegisteredV1 per unit created in the outbox of that same transaction.

Re-running a file is safe: a row whose USCC is already in the caller's directory with
the same values is counted `unchanged`; with other values it is reported as `changed`
(the columns that differ) and left as it is: an import never overwrites a unit, a
correction goes through the unit's own mutations. A USCC registered by someone the
caller cannot see is refused as `already_registered`, as createUnit refuses it.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.core import Message, Scope, ValidationFailed
from contracts.engagement.event_data import UnitRegisteredData
from contracts.engagement.events import UnitRegisteredV1
from contracts.engagement.rpc_import import (
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
from services.engagement.directory.importing import domain, reader, repository
from services.engagement.models import messaging

BATCH = 500
"""Rows per batch: bounded statements and IN lists, on PostgreSQL and SQLite alike."""


@dataclass
class Outcome:
    """What the batches did so far."""

    created: int = 0
    unchanged: int = 0
    changed: list[ChangedRow] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)


async def import_units(
    session: AsyncSession, req: ImportUnitsRequest, ctx: CallContext
) -> ImportReport:
    """The request/reply import (GraphQL): the whole file in one transaction."""
    file = reader.read(req.file_name, decode(req.content_base64))
    checked = domain.check_rows(file.rows)
    outcome = Outcome()
    for batch in batches(checked.units):
        await import_batch(session, batch, req.agency_id, req.scope, ctx, outcome, req.dry_run)
    return report(len(file.rows), checked, outcome, req.dry_run)


def decode(content_base64: str) -> bytes:
    try:
        return base64.b64decode(content_base64, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationFailed("the file content is not valid base64", field="file") from None


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
    """Sort a batch's rows against the directory and, unless dry, create the new ones."""
    known = await repository.registered(session, [u.uscc for u in batch], scope)
    new: list[domain.UnitRow] = []
    for row in batch:
        hit = known.get(row.uscc)
        if hit is None:
            new.append(row)
        elif not hit.visible:
            said = Message("a unit with 统一社会信用代码 {uscc} already exists", {"uscc": row.uscc})
            outcome.problems.append(domain.problem(row.row, "uscc", "already_registered", said))
        elif columns := domain.differences(row, hit.stored):
            outcome.changed.append(ChangedRow(row=row.row, unit_id=hit.unit_id, columns=columns))
        else:
            outcome.unchanged += 1
    if not dry_run:
        await _create(session, new, agency_id, ctx)
    outcome.created += len(new)


async def _create(
    session: AsyncSession, rows: list[domain.UnitRow], agency_id: UUID, ctx: CallContext
) -> None:
    now = datetime.now(UTC)
    units: list[dict[str, Any]] = []
    contacts: list[dict[str, Any]] = []
    grams: list[dict[str, Any]] = []
    events = []
    for row in rows:
        unit_id = new_id()
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
    await record_events(session, messaging, events)


def report(rows: int, checked: domain.Checked, outcome: Outcome, dry_run: bool) -> ImportReport:
    problems = sorted([*checked.problems, *outcome.problems], key=lambda p: p.row)
    refused_later = {p.row for p in outcome.problems}
    return ImportReport(
        rows=rows,
        created=outcome.created,
        unchanged=outcome.unchanged,
        changed=sorted(outcome.changed, key=lambda c: c.row),
        problems=problems,
        rejected_rows=checked.rejected_rows + len(refused_later),
        dry_run=dry_run,
    )
