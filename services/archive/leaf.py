"""What one leaf of the global log is: the exact bytes the Merkle tree hashes.

    leaf = canonical JSON (sorted keys, no whitespace, UTF-8) of
      {"v": 1, "index": n, "event_id": "<uuid>", "event_type": "<type>",
       "occurred_at": "<ISO 8601 UTC, +00:00>", "actor": "…", "tenant": "…",
       "payload_sha256": "<hex SHA-256 of the canonical event data>",
       "engagement_id": "<uuid>" | null, "chain_seq": n | null, "chain_hash": "<hex>" | null}

The index is inside the leaf so that a row moved to another position no longer
matches its own hash; chain_seq/chain_hash bind the engagement's hash chain
(`ledger.py`) into the tree, so a checkpoint vouches for every chain as well.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from services.archive import merkle
from services.archive.ledger import canonical_json

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
