"""The catalogue's tables: who an engagement belongs to, volumes, items and their
versions, handovers, borrowing, usage and destruction."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from contracts.archive.enums import ItemStatus
from kit.db import UtcDateTime
from kit.search import gram_table
from services.archive.catalogue.domain import Holding
from services.archive.models import Base


class EngagementParties(Base):
    """Who an engagement belongs to, learnt from `engagement.created.v1` (and from the
    gateway's scoped engagement on upload), so items filed from events get their owners."""

    __tablename__ = "engagement_parties"

    engagement_id: Mapped[UUID] = mapped_column(primary_key=True)
    agency_id: Mapped[UUID]
    unit_id: Mapped[UUID]
    # A client that is not one unit (园区, 集团, 区域), from `engagement.created.v1`.
    client_id: Mapped[UUID | None] = mapped_column(default=None)


class ArchiveVolume(Base):
    """案卷: a titled group of an engagement's items with one retention period."""

    __tablename__ = "archive_volume"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    engagement_id: Mapped[UUID] = mapped_column(index=True)
    agency_id: Mapped[UUID]
    unit_id: Mapped[UUID]
    title: Mapped[str] = mapped_column(String(300))
    retention: Mapped[str] = mapped_column(String(20))
    created_by: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ArchiveItem(Base):
    """An archived file (档案) and its metadata. The row outlives the bytes: destruction
    leaves it as a tombstone with the hash of what was destroyed.

    Each version of a deliverable is a row of its own; the versions share a series, the
    id of the first version. A version number is never reused within a series, not
    even that of an upload which expired."""

    __tablename__ = "archive_item"
    __table_args__ = (UniqueConstraint("series_id", "version"),)

    id: Mapped[UUID] = mapped_column(primary_key=True)
    series_id: Mapped[UUID]
    engagement_id: Mapped[UUID] = mapped_column(index=True)
    agency_id: Mapped[UUID] = mapped_column(index=True)
    unit_id: Mapped[UUID] = mapped_column(index=True)
    # The engagement's client that is not one unit: it sees what the unit sees.
    client_id: Mapped[UUID | None] = mapped_column(index=True, default=None)
    volume_id: Mapped[UUID | None] = mapped_column(ForeignKey("archive_volume.id"))
    category: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(300))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    version: Mapped[int]
    object_key: Mapped[str] = mapped_column(String(512), unique=True)
    # The store's version id of the bytes that were hashed and filed; downloads name it.
    object_version: Mapped[str | None] = mapped_column(String(200))
    level: Mapped[int] = mapped_column(SmallInteger)
    retention: Mapped[str] = mapped_column(String(20))
    document_date: Mapped[date] = mapped_column(Date)
    item_metadata: Mapped[dict[str, str]] = mapped_column("metadata", JSON)
    status: Mapped[str] = mapped_column(String(20), index=True)
    handed_over: Mapped[bool] = mapped_column(Boolean, default=False)
    source_event_id: Mapped[UUID | None] = mapped_column(unique=True)
    upload_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_by: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    filed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    destroyed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # The title as search matches it (kit.search.normalize); its grams: item_search_gram.
    search_title: Mapped[str] = mapped_column(String(300), server_default="")
    # The engagement record this upload was requested from (requestEvidenceUpload): its
    # `filed` event names it, and the engagement service links the item to it then.
    evidence_for: Mapped[UUID | None] = mapped_column()

    @property
    def holding(self) -> Holding:
        """What the visibility rules (`domain.may_see`) read of the item."""
        return Holding(
            agency_id=self.agency_id,
            unit_id=self.unit_id,
            client_id=self.client_id,
            status=ItemStatus(self.status),
            level=self.level,
            handed_over=self.handed_over,
        )


item_search_grams = gram_table("item_search_gram", Base.metadata, "archive_item.id")


class Handover(Base):
    """移交: a list of items given to the unit, with the signed ledger checkpoint of
    that moment, acknowledged by the unit's representative."""

    __tablename__ = "handover"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    engagement_id: Mapped[UUID] = mapped_column(index=True)
    agency_id: Mapped[UUID]
    unit_id: Mapped[UUID]
    created_by: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    checkpoint_id: Mapped[int] = mapped_column(ForeignKey("ledger_checkpoint.id"))
    acknowledged_by: Mapped[str | None] = mapped_column(String(255))
    representative: Mapped[str | None] = mapped_column(String(100))
    acknowledged_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # The engagement's handover step (engagement.handed_over.v1): its day and the
    # required kinds it waived, as [{"kind": …, "reason": …}].
    handed_over_on: Mapped[date | None] = mapped_column(Date)
    waivers: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)


class HandoverItem(Base):
    """One line of a handover list, with the hash handed over."""

    __tablename__ = "handover_item"

    handover_id: Mapped[UUID] = mapped_column(ForeignKey("handover.id"), primary_key=True)
    item_id: Mapped[UUID] = mapped_column(ForeignKey("archive_item.id"), primary_key=True)
    position: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))


class BorrowRequest(Base):
    """借阅: a request, the keeper's decision and the time-limited grant."""

    __tablename__ = "borrow_request"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    item_id: Mapped[UUID] = mapped_column(ForeignKey("archive_item.id"), index=True)
    requested_by: Mapped[str] = mapped_column(String(255))
    requester_tenant: Mapped[str] = mapped_column(String(100))
    purpose: Mapped[str] = mapped_column(String(500))
    copy_requested: Mapped[bool] = mapped_column(Boolean)
    days: Mapped[int]
    status: Mapped[str] = mapped_column(String(20))
    decided_by: Mapped[str | None] = mapped_column(String(255))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    decision_note: Mapped[str] = mapped_column(String(500), default="")
    copy_approved: Mapped[bool] = mapped_column(Boolean, default=False)
    valid_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class UsageRecord(Base):
    """利用登记: every download URL issued, to whom, under which grant. Append-only."""

    __tablename__ = "usage_record"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    item_id: Mapped[UUID] = mapped_column(ForeignKey("archive_item.id"), index=True)
    actor: Mapped[str] = mapped_column(String(255))
    tenant: Mapped[str] = mapped_column(String(100))
    borrow_id: Mapped[UUID | None] = mapped_column(ForeignKey("borrow_request.id"))
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Destruction(Base):
    """销毁: appraisal, the keeper's approval with two witnesses, execution."""

    __tablename__ = "destruction"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    item_id: Mapped[UUID] = mapped_column(ForeignKey("archive_item.id"), index=True)
    appraisal: Mapped[str] = mapped_column(Text)
    appraised_by: Mapped[str] = mapped_column(String(255))
    approved_by: Mapped[str | None] = mapped_column(String(255))
    witnesses: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    executed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # What is left once executed: the tombstone and its hash, and any stored version
    # the object store refused to remove.
    remains: Mapped[str | None] = mapped_column(Text)
