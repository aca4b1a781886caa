"""Mutations of the archive service: the ledger's here, the catalogue's in
gateway/archive/catalogue_mutations.py."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from gateway.archive.catalogue_mutations import CatalogueMutations
from gateway.archive.types import Checkpoint
from gateway.context import Context
from gateway.errors import NotAuthorized, ServiceUnavailable
from gateway.mutation import ResultUnion, run_mutation


@strawberry.type
class CreateCheckpointSuccess:
    checkpoint: Checkpoint


CreateCheckpointResult = Annotated[
    CreateCheckpointSuccess | NotAuthorized | ServiceUnavailable,
    strawberry.union("CreateCheckpointResult"),
]
CREATE_CHECKPOINT: ResultUnion[CreateCheckpointResult] = ResultUnion(CreateCheckpointResult)


@strawberry.type
class ArchiveMutations(CatalogueMutations):
    @strawberry.mutation(
        description="Sign the ledger as it is now (a checkpoint of its size and root); returns the "
        "new checkpoint."
    )
    async def create_checkpoint(self, info: Info[Context, None]) -> CreateCheckpointResult:
        archive = info.context.clients.archive
        return await run_mutation(
            info,
            CREATE_CHECKPOINT,
            ("ledger", "checkpoint"),
            request=lambda: None,  # nothing to say but "now"
            send=lambda _nothing: archive.create_checkpoint(),
            success=lambda view: CreateCheckpointSuccess(checkpoint=Checkpoint.from_view(view)),
        )
