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
    return archive_rpc_catalogue.ItemView(
        id=row.id,
        series_id=row.series_id,
        engagement_id=row.engagement_id,
        agency_id=row.agency_id,
        unit_id=row.unit_id,
        volume_id=row.volume_id,
        category=archive_enums.ItemCategory(row.category),
        title=row.title,
        filename=row.filename,
        content_type=row.content_type,
        size=row.size,
        sha256=row.sha256,
        version=row.version,
        level=row.level,
        retention=retention,
        document_date=row.document_date,
        retention_ends=domain.retention_ends(retention, row.document_date),
        metadata=dict(row.item_metadata or {}),
        status=archive_enums.ItemStatus(row.status),
        handed_over=row.handed_over,
        source_event_id=row.source_event_id,
        created_by=row.created_by,
        created_at=row.created_at,
        filed_at=row.filed_at,
        destroyed_at=row.destroyed_at,
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
    return archive_rpc_catalogue.VolumeView(
        id=row.id,
        engagement_id=row.engagement_id,
        title=row.title,
        retention=archive_enums.Retention(row.retention),
        created_at=row.created_at,
    )


def handover_view(
    handover: Handover, lines: Sequence[HandoverItem], checkpoint: LedgerCheckpoint
) -> archive_rpc_catalogue.HandoverView:
    return archive_rpc_catalogue.HandoverView(
        id=handover.id,
        engagement_id=handover.engagement_id,
        unit_id=handover.unit_id,
        item_ids=[line.item_id for line in lines],
        item_sha256=[line.sha256 for line in lines],
        created_by=handover.created_by,
        created_at=handover.created_at,
        checkpoint_id=checkpoint.id,
        tree_size=checkpoint.tree_size,
        root_hash=checkpoint.root_hash,
        checkpoint_note=checkpoint.note,
        acknowledged_by=handover.acknowledged_by,
        representative=handover.representative,
        acknowledged_at=handover.acknowledged_at,
    )


def borrow_view(b: BorrowRequest) -> archive_rpc_catalogue.BorrowView:
    return archive_rpc_catalogue.BorrowView(
        id=b.id,
        item_id=b.item_id,
        requested_by=b.requested_by,
        purpose=b.purpose,
        copy_requested=b.copy_requested,
        days=b.days,
        status=archive_enums.BorrowStatus(b.status),
        decided_by=b.decided_by,
        decided_at=b.decided_at,
        copy_approved=b.copy_approved,
        valid_until=b.valid_until,
        created_at=b.created_at,
    )


def usage_view(u: UsageRecord) -> archive_rpc_catalogue.UsageView:
    return archive_rpc_catalogue.UsageView(
        id=u.id,
        item_id=u.item_id,
        actor=u.actor,
        tenant=u.tenant,
        borrow_id=u.borrow_id,
        issued_at=u.issued_at,
        expires_at=u.expires_at,
    )


def destruction_view(d: Destruction) -> archive_rpc_catalogue.DestructionView:
    return archive_rpc_catalogue.DestructionView(
        id=d.id,
        item_id=d.item_id,
        appraisal=d.appraisal,
        appraised_by=d.appraised_by,
        approved_by=d.approved_by,
        witnesses=list(d.witnesses or []),
        created_at=d.created_at,
        executed_at=d.executed_at,
        remains=d.remains,
    )
