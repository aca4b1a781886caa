"""Request/reply endpoints of the archive service."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from contracts import archive, rpc
from kit.endpoints import command, query
from kit.rpc import CallContext, RpcServer
from kit.runtime import ServiceRuntime
from services.archive import proofs, service
from services.archive.signing import Signer


def register(server: RpcServer, runtime: ServiceRuntime, signer: Signer) -> None:
    server.add(rpc.GET_TRACES, query(runtime, service.traces))
    server.add(rpc.VERIFY_TRACE, query(runtime, service.verify))

    async def key(_req: archive.Empty, _ctx: CallContext) -> archive.LedgerKeyView:
        return proofs.key_view(signer)

    async def create_checkpoint(
        session: AsyncSession, _req: archive.Empty, _ctx: CallContext
    ) -> archive.CheckpointView:
        return await proofs.create_checkpoint(session, signer)

    server.add(archive.LEDGER_KEY, key)
    server.add(archive.CREATE_CHECKPOINT, command(runtime, create_checkpoint))
    server.add(archive.LIST_CHECKPOINTS, query(runtime, proofs.list_checkpoints))
    server.add(archive.GET_LEDGER_ENTRIES, query(runtime, proofs.entries))
    server.add(archive.INCLUSION_PROOF, query(runtime, proofs.inclusion_proof))
    server.add(archive.CONSISTENCY_PROOF, query(runtime, proofs.consistency_proof))
    server.add(archive.PROVENANCE, query(runtime, proofs.provenance))
