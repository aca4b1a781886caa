"""The import of a big file (`ecohost import units`): one transaction per batch, straight
on the engagement database.

Each batch commits its units together with their UnitRegisteredV1 events (and their
permits' UnitPermitsImportedV1) in the outbox;
the running engagement service's relay publishes them. A run cut off halfway leaves
whole batches behind, never half of one, and running the file again finishes the job:
the batches already in are counted unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from contracts.core import Scope
from contracts.engagement.rpc_import import ImportReport
from kit.db import Database
from kit.rpc import CallContext
from services.engagement.directory.importing import domain, reader
from services.engagement.directory.importing.commands import (
    BATCH,
    Outcome,
    batches,
    import_batch,
    report,
)


async def import_file(
    db: Database,
    file_name: str,
    content: bytes,
    agency_id: UUID,
    ctx: CallContext,
    *,
    dry_run: bool = False,
    batch_size: int = BATCH,
    on_rows: Callable[[int, int], None] = lambda done, total: None,
    permits: tuple[str, bytes] | None = None,
) -> ImportReport:
    """Import `content` into `agency_id`'s directory; `on_rows(done, total)` after each
    batch (total: the rows that passed the checks). `permits`: a permits file (name,
    bytes) beside a CSV. A bad file raises ValidationFailed before anything is written."""
    file = reader.read(file_name, content, permits)
    checked = domain.check_rows(file.rows, file.permit_rows)
    outcome, done, total = Outcome(), 0, len(checked.units)
    scope = Scope(agency_id=agency_id)
    on_rows(0, total)
    for batch in batches(checked.units, batch_size):
        async with db.transaction() as session:
            await import_batch(session, batch, agency_id, scope, ctx, outcome, dry_run)
        done += len(batch)
        on_rows(done, total)
    return report(len(file.rows), checked, outcome, dry_run)
