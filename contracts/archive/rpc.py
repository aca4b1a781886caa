"""Request/reply contracts of the archive service: the verifiable ledger (追溯)
and each engagement's trace in it.

Hashes travel as lowercase hex; a checkpoint also travels as its signed note text,
which is what a verifier checks (docs/ledger.md).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import ConfigDict, Field, model_validator

from contracts.core import Contract, Rpc


class TraceEntryView(Contract):
    engagement_id: UUID
    seq: int = Field(description="Position in the engagement's chain, from 1.")
    event_id: UUID
    event_type: str
    occurred_at: datetime
    recorded_at: datetime
    actor: str
    tenant: str
    payload_sha256: str
    prev_hash: str
    entry_hash: str = Field(description="SHA-256 over prev_hash and the canonical entry.")


class TraceRequest(Contract):
    engagement_ids: list[UUID] = Field(max_length=1000)


class TraceReply(Contract):
    """Per requested engagement id, in request order, its entries in chain order."""

    traces: list[list[TraceEntryView]]


class VerifyTraceRequest(Contract):
    engagement_id: UUID


class VerifyTraceReply(Contract):
    engagement_id: UUID
    entries: int
    valid: bool
    first_bad_seq: int | None = None
    head_hash: str


class Empty(Contract):
    pass


class LedgerKeyView(Contract):
    origin: str = Field(description="The ledger's name; also its key's name.")
    algorithm: str = "Ed25519"
    public_key: str = Field(description="The raw 32-byte Ed25519 public key, base64.")
    key_id: str = Field(description="SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)[:4], hex.")
    verifier_key: str = Field(description="`<name>+<key id>+<base64(0x01 ‖ key)>`.")


class CheckpointView(Contract):
    # The note is signed byte for byte, trailing newline included: never strip it.
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=False)

    id: int
    tree_size: int
    root_hash: str
    origin: str
    issued_at: datetime
    key_id: str
    note: str = Field(description="The C2SP signed note: checkpoint body and signature.")


class CheckpointsRequest(Contract):
    limit: int = Field(default=20, ge=1, le=100)
    before: int | None = Field(default=None, description="Only checkpoints with id < before.")


class CheckpointsReply(Contract):
    """Newest first."""

    items: list[CheckpointView]


class LedgerEntryView(Contract):
    index: int
    event_id: UUID
    event_type: str
    occurred_at: datetime
    recorded_at: datetime
    actor: str
    tenant: str
    payload_sha256: str
    engagement_id: UUID | None
    chain_seq: int | None
    chain_hash: str | None
    leaf: str = Field(description="The canonical leaf (UTF-8 JSON) the tree hashes.")
    leaf_hash: str


class LedgerEntriesRequest(Contract):
    indexes: list[int] = Field(default_factory=list, max_length=1000)
    event_ids: list[UUID] = Field(default_factory=list, max_length=1000)


class LedgerEntriesReply(Contract):
    """`indexes` then `event_ids` answers, in request order; None where absent."""

    items: list[LedgerEntryView | None]


class InclusionProofRequest(Contract):
    index: int = Field(ge=0)
    tree_size: int | None = Field(
        default=None, description="Default: the latest checkpoint's size."
    )


class InclusionProofView(Contract):
    leaf_index: int
    tree_size: int
    leaf_hash: str
    root_hash: str
    path: list[str] = Field(description="RFC 9162 inclusion path, leaf level first.")
    checkpoint: CheckpointView | None = Field(
        description="The newest checkpoint of exactly this size, if there is one."
    )


class ConsistencyProofRequest(Contract):
    from_size: int = Field(ge=0)
    to_size: int = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> ConsistencyProofRequest:
        if self.from_size > self.to_size:
            raise ValueError("from_size must not exceed to_size")
        return self


class ConsistencyProofView(Contract):
    from_size: int
    to_size: int
    from_root: str
    to_root: str
    path: list[str] = Field(description="RFC 9162 consistency proof.")


class ProvenanceRequest(Contract):
    engagement_id: UUID
    tree_size: int | None = Field(default=None, description="Default: the latest checkpoint.")


class ProvenanceStep(Contract):
    entry: LedgerEntryView
    proof: InclusionProofView


class ProvenanceView(Contract):
    """An engagement's events in chain order, each proven against one tree size."""

    engagement_id: UUID
    tree_size: int
    checkpoint: CheckpointView | None
    steps: list[ProvenanceStep]


LEDGER_KEY = Rpc("archive", "ledger.key", Empty, LedgerKeyView)
CREATE_CHECKPOINT = Rpc("archive", "ledger.checkpoint.create", Empty, CheckpointView)
LIST_CHECKPOINTS = Rpc("archive", "ledger.checkpoint.list", CheckpointsRequest, CheckpointsReply)
GET_LEDGER_ENTRIES = Rpc(
    "archive", "ledger.entry.get_many", LedgerEntriesRequest, LedgerEntriesReply
)
INCLUSION_PROOF = Rpc(
    "archive", "ledger.proof.inclusion", InclusionProofRequest, InclusionProofView
)
CONSISTENCY_PROOF = Rpc(
    "archive", "ledger.proof.consistency", ConsistencyProofRequest, ConsistencyProofView
)
PROVENANCE = Rpc("archive", "ledger.provenance", ProvenanceRequest, ProvenanceView)
GET_TRACES = Rpc("archive", "trace.for_engagements", TraceRequest, TraceReply)
VERIFY_TRACE = Rpc("archive", "trace.verify", VerifyTraceRequest, VerifyTraceReply)

LEDGER_RPCS: tuple[Rpc[Any, Any], ...] = (
    LEDGER_KEY,
    CREATE_CHECKPOINT,
    LIST_CHECKPOINTS,
    GET_LEDGER_ENTRIES,
    INCLUSION_PROOF,
    CONSISTENCY_PROOF,
    PROVENANCE,
    GET_TRACES,
    VERIFY_TRACE,
)
