"""GraphQL types of the verifiable ledger (追溯). Hashes are lowercase hex; docs/ledger.md
says how to check each of them with SHA-256 and Ed25519 alone."""

from __future__ import annotations

from datetime import datetime
from typing import Self

import strawberry
from strawberry.types import Info

from contracts.archive import rpc as archive_rpc
from gateway.context import Context
from gateway.ids import encode_global_id
from gateway.views import from_view


@strawberry.type(description="The key that signs checkpoints. Public: verifiers need it.")
class LedgerPublicKey:
    origin: str = strawberry.field(description="The ledger's name, also the key's name.")
    algorithm: str
    public_key: str = strawberry.field(description="Raw 32-byte Ed25519 key, base64.")
    key_id: str = strawberry.field(description="SHA-256(origin ‖ 0x0A ‖ 0x01 ‖ key)[:4], hex.")
    verifier_key: str = strawberry.field(
        description="The signed-note verifier key: `<origin>+<keyId>+<base64(0x01 ‖ key)>`."
    )

    @classmethod
    def from_view(cls, v: archive_rpc.LedgerKeyView) -> Self:
        return from_view(cls, v)


@strawberry.type(description="A signed statement of the ledger's size and root at a moment.")
class Checkpoint:
    number: int = strawberry.field(description="Sequence number of the checkpoint.")
    tree_size: int
    root_hash: str
    origin: str
    issued_at: datetime
    key_id: str
    note: str = strawberry.field(
        description="The C2SP signed note (checkpoint body, blank line, signature): what a "
        "verifier checks."
    )

    @classmethod
    def from_view(cls, v: archive_rpc.CheckpointView) -> Self:
        return from_view(cls, v, number=v.id)


@strawberry.type(description="RFC 9162 inclusion proof of one entry in a tree of `treeSize`.")
class InclusionProof:
    leaf_index: int
    tree_size: int
    leaf_hash: str = strawberry.field(description="SHA-256(0x00 ‖ leaf).")
    root_hash: str
    path: list[str] = strawberry.field(description="Sibling hashes, leaf level first.")
    checkpoint: Checkpoint | None = strawberry.field(
        description="The signed checkpoint of exactly this size; null if none was made."
    )

    @classmethod
    def from_view(cls, v: archive_rpc.InclusionProofView) -> Self:
        checkpoint = Checkpoint.from_view(v.checkpoint) if v.checkpoint else None
        return from_view(cls, v, checkpoint=checkpoint)


@strawberry.type(description="RFC 9162 consistency proof: the log only grew between sizes.")
class ConsistencyProof:
    from_size: int
    to_size: int
    from_root: str
    to_root: str
    path: list[str]

    @classmethod
    def from_view(cls, v: archive_rpc.ConsistencyProofView) -> Self:
        return from_view(cls, v)


@strawberry.type(description="One event in the global log: leaf `index` of the Merkle tree.")
class LedgerEntry:
    index: int
    event_id: str
    event_type: str
    occurred_at: datetime
    recorded_at: datetime
    actor: str
    tenant: str
    payload_sha256: str = strawberry.field(description="SHA-256 of the event's canonical data.")
    engagement_id: strawberry.ID | None = strawberry.field(
        description="The engagement's global ID, when the event belongs to one."
    )
    chain_seq: int | None = strawberry.field(description="Position in the engagement's chain.")
    chain_hash: str | None = strawberry.field(description="The chain link's entryHash.")
    leaf: str = strawberry.field(description="The exact bytes hashed (canonical JSON, UTF-8).")
    leaf_hash: str

    @classmethod
    def from_view(cls, v: archive_rpc.LedgerEntryView) -> Self:
        engagement = v.engagement_id
        return from_view(
            cls,
            v,
            event_id=str(v.event_id),
            engagement_id=strawberry.ID(encode_global_id("Engagement", engagement))
            if engagement
            else None,
        )

    @strawberry.field(
        description="Proof of this entry against the tree of `treeSize` entries (default: "
        "the latest checkpoint covering it, else the current size)."
    )
    async def inclusion_proof(
        self, info: Info[Context, None], tree_size: int | None = None
    ) -> InclusionProof:
        # Whoever may see the entry may have its proof: a proof is hashes only.
        view = await info.context.clients.archive.inclusion_proof(self.index, tree_size)
        return InclusionProof.from_view(view)


@strawberry.type(description="One event of an engagement's provenance, with its proof.")
class ProvenanceStep:
    entry: LedgerEntry
    inclusion_proof: InclusionProof


@strawberry.type(
    description="An engagement's events in chain order, from the agreement on, each proven "
    "against the same tree size."
)
class Provenance:
    engagement_id: strawberry.ID
    tree_size: int
    checkpoint: Checkpoint | None
    steps: list[ProvenanceStep]

    @classmethod
    def from_view(cls, v: archive_rpc.ProvenanceView) -> Self:
        return cls(
            engagement_id=strawberry.ID(encode_global_id("Engagement", v.engagement_id)),
            tree_size=v.tree_size,
            checkpoint=Checkpoint.from_view(v.checkpoint) if v.checkpoint else None,
            steps=[
                ProvenanceStep(
                    entry=LedgerEntry.from_view(s.entry),
                    inclusion_proof=InclusionProof.from_view(s.proof),
                )
                for s in v.steps
            ],
        )
