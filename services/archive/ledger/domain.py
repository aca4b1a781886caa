"""Pure rules of the ledger (追溯, R1-trace): the per-engagement hash chain and what one
leaf of the global log is. No I/O.

Each chain entry's hash covers the previous entry's hash and the canonical form of the
entry, so changing, removing or reordering any past entry breaks every later hash.
Anyone holding the entries can re-check the chain with SHA-256 alone.

A leaf of the global log is the exact bytes the Merkle tree hashes:

    leaf = canonical JSON (sorted keys, no whitespace, UTF-8) of
      {"v": 1, "index": n, "event_id": "<uuid>", "event_type": "<type>",
       "occurred_at": "<ISO 8601 UTC, +00:00>", "actor": "…", "tenant": "…",
       "payload_sha256": "<hex SHA-256 of the canonical event data>",
       "engagement_id": "<uuid>" | null, "chain_seq": n | null, "chain_hash": "<hex>" | null}

The index is inside the leaf so that a row moved to another position no longer
matches its own hash; chain_seq/chain_hash bind the engagement's hash chain into the
tree, so a checkpoint vouches for every chain as well.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from services.archive.ledger import merkle

GENESIS = "0" * 64


def canonical_json(value: Any) -> bytes:
    """Deterministic JSON: sorted keys, no whitespace, UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def payload_digest(data: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(data)).hexdigest()


@dataclass(frozen=True)
class ChainEntry:
    engagement_id: UUID
    seq: int
    event_id: UUID
    event_type: str
    occurred_at: datetime
    actor: str
    tenant: str
    payload_sha256: str

    def canonical(self) -> bytes:
        return canonical_json(
            {
                "engagement_id": str(self.engagement_id),
                "seq": self.seq,
                "event_id": str(self.event_id),
                "event_type": self.event_type,
                "occurred_at": self.occurred_at.astimezone(UTC).isoformat(),
                "actor": self.actor,
                "tenant": self.tenant,
                "payload_sha256": self.payload_sha256,
            }
        )


def link(prev_hash: str, entry: ChainEntry) -> str:
    """Hash of `entry` chained to `prev_hash`."""
    return hashlib.sha256(bytes.fromhex(prev_hash) + entry.canonical()).hexdigest()


def first_broken(chain: Iterable[tuple[ChainEntry, str, str]]) -> int | None:
    """Seq of the first entry whose (prev_hash, entry_hash) does not check out, else None.

    `chain` yields (entry, prev_hash, entry_hash) in seq order starting at 1.
    """
    expected_prev = GENESIS
    for position, (entry, prev_hash, entry_hash) in enumerate(chain, start=1):
        if (
            entry.seq != position
            or prev_hash != expected_prev
            or link(prev_hash, entry) != entry_hash
        ):
            return entry.seq
        expected_prev = entry_hash
    return None


LEAF_VERSION = 1


@dataclass(frozen=True)
class Leaf:
    index: int
    event_id: UUID
    event_type: str
    occurred_at: datetime
    actor: str
    tenant: str
    payload_sha256: str
    engagement_id: UUID | None
    chain_seq: int | None
    chain_hash: str | None

    def canonical(self) -> bytes:
        return canonical_json(
            {
                "v": LEAF_VERSION,
                "index": self.index,
                "event_id": str(self.event_id),
                "event_type": self.event_type,
                "occurred_at": self.occurred_at.astimezone(UTC).isoformat(),
                "actor": self.actor,
                "tenant": self.tenant,
                "payload_sha256": self.payload_sha256,
                "engagement_id": str(self.engagement_id) if self.engagement_id else None,
                "chain_seq": self.chain_seq,
                "chain_hash": self.chain_hash,
            }
        )

    def hash(self) -> bytes:
        return merkle.leaf_hash(self.canonical())
