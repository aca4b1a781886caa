"""Request/reply endpoints of the ledger."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.archive import rpc as archive_rpc
from kit.endpoints import command, query
from kit.rpc import CallContext, RpcServer
from kit.runtime import ServiceRuntime
from services.archive.ledger import commands, queries, views
from services.archive.ledger.signing import Signer


def register(server: RpcServer, runtime: ServiceRuntime, signer: Signer) -> None:
    async def key(_req: archive_rpc.Empty, _ctx: CallContext) -> archive_rpc.LedgerKeyView:
        return views.key_view(signer)

    async def create_checkpoint(
        session: AsyncSession, _req: archive_rpc.Empty, _ctx: CallContext
    ) -> archive_rpc.CheckpointView:
        return views.checkpoint_view(await commands.create_checkpoint(session, signer))

    server.add(archive_rpc.GET_TRACES, query(runtime, queries.traces))
    server.add(archive_rpc.VERIFY_TRACE, query(runtime, queries.verify_chain))
    server.add(archive_rpc.LEDGER_KEY, key)
    server.add(archive_rpc.CREATE_CHECKPOINT, command(runtime, create_checkpoint))
    server.add(archive_rpc.LIST_CHECKPOINTS, query(runtime, queries.list_checkpoints))
    server.add(archive_rpc.GET_LEDGER_ENTRIES, query(runtime, queries.entries))
    server.add(archive_rpc.INCLUSION_PROOF, query(runtime, queries.inclusion_proof))
    server.add(archive_rpc.CONSISTENCY_PROOF, query(runtime, queries.consistency_proof))
    server.add(archive_rpc.PROVENANCE, query(runtime, queries.provenance))
