"""The ledger's replies as the contracts show them, built from rows."""

from __future__ import annotations

import base64

from contracts.archive import rpc as archive_rpc
from services.archive.ledger.models import LedgerCheckpoint, LedgerLeaf, TraceEntry
from services.archive.ledger.signing import Signer


def trace_entry_view(row: TraceEntry) -> archive_rpc.TraceEntryView:
    return archive_rpc.TraceEntryView(
        engagement_id=row.engagement_id,
        seq=row.seq,
        event_id=row.event_id,
        event_type=row.event_type,
        occurred_at=row.occurred_at,
        recorded_at=row.recorded_at,
        actor=row.actor,
        tenant=row.tenant,
        payload_sha256=row.payload_sha256,
        prev_hash=row.prev_hash,
        entry_hash=row.entry_hash,
    )


def key_view(signer: Signer) -> archive_rpc.LedgerKeyView:
    return archive_rpc.LedgerKeyView(
        origin=signer.name,
        public_key=base64.b64encode(signer.public_key).decode(),
        key_id=signer.key_id.hex(),
        verifier_key=signer.verifier_key,
    )


def checkpoint_view(row: LedgerCheckpoint) -> archive_rpc.CheckpointView:
    return archive_rpc.CheckpointView(
        id=row.id,
        tree_size=row.tree_size,
        root_hash=row.root_hash,
        origin=row.origin,
        issued_at=row.issued_at,
        key_id=row.key_id,
        note=row.note,
    )


def entry_view(row: LedgerLeaf) -> archive_rpc.LedgerEntryView:
    return archive_rpc.LedgerEntryView(
        index=row.leaf_index,
        event_id=row.event_id,
        event_type=row.event_type,
        occurred_at=row.occurred_at,
        recorded_at=row.recorded_at,
        actor=row.actor,
        tenant=row.tenant,
        payload_sha256=row.payload_sha256,
        engagement_id=row.engagement_id,
        chain_seq=row.chain_seq,
        chain_hash=row.chain_hash,
        leaf=row.leaf().canonical().decode(),
        leaf_hash=row.leaf_hash,
    )
