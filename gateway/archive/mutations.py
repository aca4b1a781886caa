"""Mutations of the archive service."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from contracts.core import DomainError
from gateway.archive.catalogue_mutations import CatalogueMutations
from gateway.archive.types import Checkpoint
from gateway.context import Context
from gateway.errors import NotAuthorized, ServiceUnavailable, to_graphql


@strawberry.type
class CreateCheckpointSuccess:
    checkpoint: Checkpoint


CreateCheckpointResult = Annotated[
    CreateCheckpointSuccess | NotAuthorized | ServiceUnavailable,
    strawberry.union("CreateCheckpointResult"),
]


@strawberry.type
class ArchiveMutations(CatalogueMutations):
    @strawberry.mutation(
        description="Sign the ledger as it is now (a checkpoint of its size and root); returns the "
        "new checkpoint."
    )
    async def create_checkpoint(self, info: Info[Context, None]) -> CreateCheckpointResult:
        ctx = info.context
        try:
            if not ctx.authorizer.can("ledger", "checkpoint"):
                raise ctx.denied()
            view = await ctx.services.create_checkpoint()
            return CreateCheckpointSuccess(checkpoint=Checkpoint.from_view(view))
        except DomainError as exc:
            return to_graphql(exc, ctx.request_id)  # type: ignore[return-value]
