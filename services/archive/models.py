"""The archive service's tables: the per-engagement trace chain, the global ledger and
the catalogue (items, volumes, handovers, borrowing, usage, destruction)."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ColumnElement,
    Date,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from kit.db import UtcDateTime, service_metadata
from kit.messaging import messaging_tables


class Base(DeclarativeBase):
    metadata = service_metadata()


messaging = messaging_tables(Base.metadata)


class TraceEntry(Base):
    """One process event in an engagement's hash chain. Append-only: never updated.

    The primary key (engagement_id, seq) makes the chain linear even with several
    replicas appending: two writers of the same position cannot both commit.
    """

    __tablename__ = "trace_entry"

    engagement_id: Mapped[UUID] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    event_id: Mapped[UUID] = mapped_column(unique=True)
    event_type: Mapped[str] = mapped_column(String(255))
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor: Mapped[str] = mapped_column(String(100))
    tenant: Mapped[str] = mapped_column(String(100))
    payload_sha256: Mapped[str] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64))


class LedgerLeaf(Base):
    """One entry of the global log (every event of every service), leaf `leaf_index` of
    the Merkle tree. Append-only. The primary key on the index keeps the log linear:
    two writers of the same position cannot both commit."""

    __tablename__ = "ledger_leaf"

    leaf_index: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    event_id: Mapped[UUID] = mapped_column(unique=True)
    event_type: Mapped[str] = mapped_column(String(255))
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor: Mapped[str] = mapped_column(String(100))
    tenant: Mapped[str] = mapped_column(String(100))
    payload_sha256: Mapped[str] = mapped_column(String(64))
    engagement_id: Mapped[UUID | None] = mapped_column(index=True)
    chain_seq: Mapped[int | None]
    chain_hash: Mapped[str | None] = mapped_column(String(64))
    leaf_hash: Mapped[str] = mapped_column(String(64), doc="SHA-256(0x00 ‖ canonical leaf)")


class LedgerNode(Base):
    """A complete perfect subtree of the Merkle tree above the leaves (level ≥ 1): the
    2^level leaves from node_index·2^level. Written once when its last leaf arrives,
    never changed; any root or proof is a fold of O(log n) of these."""

    __tablename__ = "ledger_node"

    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    node_index: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[str] = mapped_column(String(64))


class LedgerCheckpoint(Base):
    """A signed statement of the tree's size and root at a moment (C2SP signed note).
    `note` is the signed text itself; the other columns are parsed from it for queries."""

    __tablename__ = "ledger_checkpoint"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    tree_size: Mapped[int] = mapped_column(BigInteger, index=True)
    root_hash: Mapped[str] = mapped_column(String(64))
    origin: Mapped[str] = mapped_column(String(255))
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime)
    key_id: Mapped[str] = mapped_column(String(8))
    note: Mapped[str] = mapped_column(Text)


class EngagementParties(Base):
    """Who an engagement belongs to, learnt from `engagement.created.v1` (and from the
    gateway's scoped engagement on upload), so items filed from events get their owners."""

    __tablename__ = "engagement_parties"

    engagement_id: Mapped[UUID] = mapped_column(primary_key=True)
    agency_id: Mapped[UUID]
    unit_id: Mapped[UUID]


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
    # Null on rows written by the previous release during a rolling upgrade (it does
    # not know the column): such a row is version 1 of its own series. Read `series`.
    # NOT NULL comes in the next release, after a backfill.
    series_id: Mapped[UUID]
    engagement_id: Mapped[UUID] = mapped_column(index=True)
    agency_id: Mapped[UUID] = mapped_column(index=True)
    unit_id: Mapped[UUID] = mapped_column(index=True)
    volume_id: Mapped[UUID | None] = mapped_column(ForeignKey("archive_volume.id"))
    category: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(300))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    version: Mapped[int]
    object_key: Mapped[str] = mapped_column(String(512), unique=True)
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

    @hybrid_property
    def series(self) -> UUID:
        """The item's series: `series_id`, or its own id on a row without one."""
        return self.series_id or self.id

    @series.inplace.expression
    @classmethod
    def _series_expression(cls) -> ColumnElement[UUID]:
        return func.coalesce(cls.series_id, cls.id)


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
