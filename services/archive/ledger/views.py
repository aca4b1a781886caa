"""The ledger's replies as the contracts show them, built from rows."""

from __future__ import annotations

import base64

from contracts.archive import rpc as archive_rpc
from services.archive.ledger.models import LedgerCheckpoint, LedgerLeaf
from services.archive.ledger.signing import Signer


def key_view(signer: Signer) -> archive_rpc.LedgerKeyView:
    return archive_rpc.LedgerKeyView(
        origin=signer.name,
        public_key=base64.b64encode(signer.public_key).decode(),
        key_id=signer.key_id.hex(),
        verifier_key=signer.verifier_key,
    )


def checkpoint_view(row: LedgerCheckpoint) -> archive_rpc.CheckpointView:
    return archive_rpc.CheckpointView.from_row(row)


def entry_view(row: LedgerLeaf) -> archive_rpc.LedgerEntryView:
    return archive_rpc.LedgerEntryView.from_row(
        row, index=row.leaf_index, leaf=row.leaf().canonical().decode()
    )
