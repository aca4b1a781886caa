"""The catalogue's replies as the contracts show them, built from rows."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from contracts.archive import enums as archive_enums
from contracts.archive import rpc_catalogue as archive_rpc_catalogue
from kit.storage.base import PresignedUpload
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


def item_view(row: ArchiveItem) -> archive_rpc_catalogue.ItemView:
    retention = archive_enums.Retention(row.retention)
    return archive_rpc_catalogue.ItemView.from_row(
        row,
        retention_ends=domain.retention_ends(retention, row.document_date),
        metadata=dict(row.item_metadata or {}),
    )


def upload_ticket(
    row: ArchiveItem, upload: PresignedUpload, expires_at: datetime
) -> archive_rpc_catalogue.UploadTicket:
    return archive_rpc_catalogue.UploadTicket(
        item=item_view(row),
        url=upload.url,
        headers=dict(upload.headers),
        expires_at=expires_at,
    )


def volume_view(row: ArchiveVolume) -> archive_rpc_catalogue.VolumeView:
    return archive_rpc_catalogue.VolumeView.from_row(row)


def handover_view(
    handover: Handover, lines: Sequence[HandoverItem], checkpoint: LedgerCheckpoint
) -> archive_rpc_catalogue.HandoverView:
    return archive_rpc_catalogue.HandoverView.from_row(
        handover,
        item_ids=[line.item_id for line in lines],
        item_sha256=[line.sha256 for line in lines],
        checkpoint_id=checkpoint.id,
        tree_size=checkpoint.tree_size,
        root_hash=checkpoint.root_hash,
        checkpoint_note=checkpoint.note,
    )


def borrow_view(b: BorrowRequest) -> archive_rpc_catalogue.BorrowView:
    return archive_rpc_catalogue.BorrowView.from_row(b)


def usage_view(u: UsageRecord) -> archive_rpc_catalogue.UsageView:
    return archive_rpc_catalogue.UsageView.from_row(u)


def destruction_view(d: Destruction) -> archive_rpc_catalogue.DestructionView:
    return archive_rpc_catalogue.DestructionView.from_row(d, witnesses=list(d.witnesses or []))
