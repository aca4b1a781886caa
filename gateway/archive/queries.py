"""Queries of the archive service: the verifiable ledger (追溯).

The key and the checkpoints are public; entries, proofs and provenance are checked
per caller (gateway/archive/access.py).
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import strawberry
from strawberry.types import Info

from contracts.core import ValidationFailed
from gateway.archive.access import may_read_engagement_ledger, may_read_entry
from gateway.archive.catalogue_queries import CatalogueQueries
from gateway.archive.types import (
    Checkpoint,
    ConsistencyProof,
    LedgerEntry,
    LedgerPublicKey,
    Provenance,
)
from gateway.context import Context
from gateway.ids import decode_global_id

MAX_CHECKPOINTS = 100


@strawberry.type
class ArchiveQueries(CatalogueQueries):
    @strawberry.field(description="The key that signs ledger checkpoints. No login needed.")
    async def ledger_public_key(self, info: Info[Context, None]) -> LedgerPublicKey:
        return LedgerPublicKey.from_view(await info.context.clients.archive.ledger_key())

    @strawberry.field(description="The newest signed checkpoint; null before the first.")
    async def latest_checkpoint(self, info: Info[Context, None]) -> Checkpoint | None:
        items = await info.context.clients.archive.checkpoints(1, None)
        return Checkpoint.from_view(items[0]) if items else None

    @strawberry.field(
        description="Signed checkpoints, newest first; `before` is a checkpoint number. "
        "No login needed."
    )
    async def checkpoints(
        self, info: Info[Context, None], first: int = 20, before: int | None = None
    ) -> list[Checkpoint]:
        if not 0 < first <= MAX_CHECKPOINTS:
            raise ValidationFailed(
                "first must be between 1 and {max}", field="first", params={"max": MAX_CHECKPOINTS}
            )
        items = await info.context.clients.archive.checkpoints(first, before)
        return [Checkpoint.from_view(v) for v in items]

    @strawberry.field(
        description="A ledger entry by its index or its event's id; null if missing or "
        "not yours to see."
    )
    async def ledger_entry(
        self,
        info: Info[Context, None],
        index: int | None = None,
        event_id: strawberry.ID | None = None,
    ) -> LedgerEntry | None:
        ctx = info.context
        if (index is None) == (event_id is None):
            raise ValidationFailed("give exactly one of index and eventId", field="index")
        if not ctx.authorizer.can("ledger", "read"):
            return None
        try:
            event_ids = [UUID(str(event_id))] if event_id is not None else []
        except ValueError:
            return None
        indexes = [index] if index is not None else []
        [view] = await ctx.clients.archive.ledger_entries(indexes, event_ids)
        if view is None or not await may_read_entry(ctx, view):
            return None
        return LedgerEntry.from_view(view)

    @strawberry.field(
        description="Proof that the ledger of `to` entries extends the one of `from`; "
        "null without permission."
    )
    async def consistency_proof(
        self,
        info: Info[Context, None],
        from_: Annotated[int, strawberry.argument(name="from")],
        to: int,
    ) -> ConsistencyProof | None:
        ctx = info.context
        if not ctx.authorizer.can("ledger", "read"):
            return None
        if not 0 <= from_ <= to:
            raise ValidationFailed("need 0 ≤ from ≤ to", field="from")
        return ConsistencyProof.from_view(await ctx.clients.archive.consistency_proof(from_, to))

    @strawberry.field(
        description="An engagement's events in chain order with their inclusion proofs "
        "(default: against the latest checkpoint); null if you may not read its trace."
    )
    async def provenance(
        self,
        info: Info[Context, None],
        engagement_id: strawberry.ID,
        tree_size: int | None = None,
    ) -> Provenance | None:
        ctx = info.context
        try:
            uuid = decode_global_id(engagement_id, "Engagement", field="engagementId")
        except ValidationFailed:
            return None
        if not await may_read_engagement_ledger(ctx, uuid):
            return None
        return Provenance.from_view(await ctx.clients.archive.provenance(uuid, tree_size))
