"""Request/reply endpoints of the ledger."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.archive import rpc as archive
from contracts.archive import rpc as archive_rpc
from kit.endpoints import command, query
from kit.rpc import CallContext, RpcServer
from kit.runtime import ServiceRuntime
from services.archive.ledger import commands, queries, views
from services.archive.ledger.signing import Signer


def register(server: RpcServer, runtime: ServiceRuntime, signer: Signer) -> None:
    async def key(_req: archive.Empty, _ctx: CallContext) -> archive.LedgerKeyView:
        return views.key_view(signer)

    async def create_checkpoint(
        session: AsyncSession, _req: archive.Empty, _ctx: CallContext
    ) -> archive.CheckpointView:
        return views.checkpoint_view(await commands.create_checkpoint(session, signer))

    server.add(archive_rpc.GET_TRACES, query(runtime, queries.traces))
    server.add(archive_rpc.VERIFY_TRACE, query(runtime, queries.verify_chain))
    server.add(archive.LEDGER_KEY, key)
    server.add(archive.CREATE_CHECKPOINT, command(runtime, create_checkpoint))
    server.add(archive.LIST_CHECKPOINTS, query(runtime, queries.list_checkpoints))
    server.add(archive.GET_LEDGER_ENTRIES, query(runtime, queries.entries))
    server.add(archive.INCLUSION_PROOF, query(runtime, queries.inclusion_proof))
    server.add(archive.CONSISTENCY_PROOF, query(runtime, queries.consistency_proof))
    server.add(archive.PROVENANCE, query(runtime, queries.provenance))
