"""The catalogue's replies as the contracts show them, built from rows."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from contracts.archive import enums as archive_enums
from contracts.archive import rpc_catalogue as c
from services.archive.catalogue import domain
from services.archive.catalogue.models import (
    ArchiveItem,
    ArchiveVolume,
    BorrowRequest,
    Destruction,
    Handover,
    HandoverItem,
    UsageRecord,
)
from services.archive.ledger.models import LedgerCheckpoint


def item_view(row: ArchiveItem) -> c.ItemView:
    retention = archive_enums.Retention(row.retention)
    return c.ItemView.from_row(
        row,
        retention_ends=domain.retention_ends(retention, row.document_date),
        metadata=dict(row.item_metadata or {}),
    )


def upload_ticket(row: ArchiveItem, url: str, expires_at: datetime) -> c.UploadTicket:
    return c.UploadTicket(
        item=item_view(row),
        url=url,
        headers={"Content-Type": row.content_type},
        expires_at=expires_at,
    )


def volume_view(row: ArchiveVolume) -> c.VolumeView:
    return c.VolumeView.from_row(row)


def handover_view(
    handover: Handover, lines: Sequence[HandoverItem], checkpoint: LedgerCheckpoint
) -> c.HandoverView:
    return c.HandoverView.from_row(
        handover,
        item_ids=[line.item_id for line in lines],
        item_sha256=[line.sha256 for line in lines],
        checkpoint_id=checkpoint.id,
        tree_size=checkpoint.tree_size,
        root_hash=checkpoint.root_hash,
        checkpoint_note=checkpoint.note,
    )


def borrow_view(b: BorrowRequest) -> c.BorrowView:
    return c.BorrowView.from_row(b)


def usage_view(u: UsageRecord) -> c.UsageView:
    return c.UsageView.from_row(u)


def destruction_view(d: Destruction) -> c.DestructionView:
    return c.DestructionView.from_row(d, witnesses=list(d.witnesses or []))
