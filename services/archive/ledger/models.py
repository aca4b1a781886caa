"""The ledger's tables: the per-engagement trace chain, the global log's leaves and
perfect subtrees, and its signed checkpoints. Every row is written once, never changed."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import BigInteger, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kit.db import UtcDateTime
from services.archive.ledger.domain import ChainEntry, Leaf
from services.archive.models import Base


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

    def chain_entry(self) -> ChainEntry:
        """What the entry's hash covers."""
        return ChainEntry(
            engagement_id=self.engagement_id,
            seq=self.seq,
            event_id=self.event_id,
            event_type=self.event_type,
            occurred_at=self.occurred_at,
            actor=self.actor,
            tenant=self.tenant,
            payload_sha256=self.payload_sha256,
        )


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

    def leaf(self) -> Leaf:
        """The leaf as the tree hashes it, from its stored content."""
        return Leaf(
            index=self.leaf_index,
            event_id=self.event_id,
            event_type=self.event_type,
            occurred_at=self.occurred_at,
            actor=self.actor,
            tenant=self.tenant,
            payload_sha256=self.payload_sha256,
            engagement_id=self.engagement_id,
            chain_seq=self.chain_seq,
            chain_hash=self.chain_hash,
        )


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
