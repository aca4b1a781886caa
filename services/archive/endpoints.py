"""Request/reply endpoints of the archive service."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.archive import rpc as archive
from contracts.archive import rpc_catalogue as cat
from kit.endpoints import command, query
from kit.rpc import CallContext, RpcServer
from kit.runtime import ServiceRuntime
from services.archive import borrowing, catalogue, destruction, handover, proofs, service
from services.archive.records import Archive
from services.archive.signing import Signer


def register(server: RpcServer, runtime: ServiceRuntime, signer: Signer, archive_: Archive) -> None:
    server.add(archive.GET_TRACES, query(runtime, service.traces))
    server.add(archive.VERIFY_TRACE, query(runtime, service.verify))

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
    register_catalogue(server, runtime, archive_)


def register_catalogue(server: RpcServer, runtime: ServiceRuntime, archive_: Archive) -> None:
    def with_store(use_case: Callable[..., Awaitable[Any]]) -> Any:
        return command(runtime, partial(use_case, archive_))

    server.add(cat.CREATE_VOLUME, command(runtime, catalogue.create_volume))
    server.add(cat.HAND_OVER, with_store(handover.hand_over))
    server.add(cat.ACKNOWLEDGE_HANDOVER, command(runtime, handover.acknowledge))
    server.add(cat.HANDOVERS, query(runtime, handover.list_handovers))
    server.add(cat.REQUEST_BORROW, command(runtime, borrowing.request_borrow))
    server.add(cat.DECIDE_BORROW, command(runtime, borrowing.decide_borrow))
    server.add(cat.BORROWS, query(runtime, borrowing.list_borrows))
    server.add(cat.ISSUE_DOWNLOAD, with_store(borrowing.issue_download))
    server.add(cat.USAGE, query(runtime, borrowing.usage))
    server.add(cat.REQUEST_DESTRUCTION, command(runtime, destruction.request_destruction))
    server.add(cat.APPROVE_DESTRUCTION, with_store(destruction.approve_destruction))
    server.add(cat.REQUEST_UPLOAD, with_store(catalogue.request_upload))
    server.add(cat.REQUEST_VERSION_UPLOAD, with_store(catalogue.request_version_upload))
    server.add(cat.COMPLETE_UPLOAD, with_store(catalogue.complete_upload))
    server.add(cat.GET_ITEMS, query(runtime, catalogue.get_items))
    server.add(cat.CATALOGUE, query(runtime, catalogue.catalogue))
    server.add(cat.CHANGE_LEVEL, command(runtime, catalogue.change_level))
    server.add(cat.VERSIONS, query(runtime, catalogue.versions))
