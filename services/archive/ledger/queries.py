"""Ledger reads behind the RPCs: the engagements' chains and their verification,
checkpoints, entries of the global log, proofs and provenance."""

from __future__ import annotations

from collections import defaultdict
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.archive import rpc as archive_rpc
from contracts.core import NotFound
from kit.rpc import RawReply
from kit.struct_encoding import encoded_reply, structs
from services.archive.ledger import domain
from services.archive.ledger.repository import chains, checkpoints, tree
from services.archive.ledger.views import checkpoint_view, entry_view


async def traces(session: AsyncSession, req: archive_rpc.TraceRequest) -> RawReply:
    """Per engagement asked for, its entries in chain order, encoded from the plain rows
    (`kit.struct_encoding`): the entries' fields are the rows' columns by name, read from
    the service's own table, and validating them into models to serialise them again was
    most of this call's cost (a dashboard's page has 250)."""
    rows = await chains.chains(session, req.engagement_ids)
    by_engagement: dict[UUID, list[Any]] = defaultdict(list)
    for row, entry in zip(rows, structs(archive_rpc.TraceEntryView, rows), strict=True):
        by_engagement[row.engagement_id].append(entry)
    return encoded_reply(
        archive_rpc.TraceReply, traces=[by_engagement.get(i, []) for i in req.engagement_ids]
    )


async def verify_chain(
    session: AsyncSession, req: archive_rpc.VerifyTraceRequest
) -> archive_rpc.VerifyTraceReply:
    rows = await chains.chain(session, req.engagement_id)
    bad = domain.first_broken((r.chain_entry(), r.prev_hash, r.entry_hash) for r in rows)
    return archive_rpc.VerifyTraceReply(
        engagement_id=req.engagement_id,
        entries=len(rows),
        valid=bad is None,
        first_bad_seq=bad,
        head_hash=rows[-1].entry_hash if rows else domain.GENESIS,
    )


async def list_checkpoints(
    session: AsyncSession, req: archive_rpc.CheckpointsRequest
) -> archive_rpc.CheckpointsReply:
    rows = await checkpoints.page(session, req.limit, req.before)
    return archive_rpc.CheckpointsReply(items=[checkpoint_view(r) for r in rows])


async def entries(
    session: AsyncSession, req: archive_rpc.LedgerEntriesRequest
) -> archive_rpc.LedgerEntriesReply:
    by_index = await tree.leaves_at(session, req.indexes) if req.indexes else {}
    by_event = await tree.leaves_of_events(session, req.event_ids) if req.event_ids else {}
    found = [by_index.get(i) for i in req.indexes] + [by_event.get(e) for e in req.event_ids]
    return archive_rpc.LedgerEntriesReply(items=[entry_view(r) if r else None for r in found])


async def _proof_size(session: AsyncSession, index: int, requested: int | None) -> int:
    """The requested size, else the newest checkpoint's if it covers the entry, else now."""
    if requested is not None:
        return await tree.checked_size(session, requested)
    last = await checkpoints.latest(session)
    if last is not None and last.tree_size > index:
        return last.tree_size
    return await tree.size(session)


async def _inclusion(
    session: AsyncSession, index: int, leaf_hash: str, tree_size: int
) -> archive_rpc.InclusionProofView:
    path = await tree.inclusion_path(session, index, tree_size)
    signed = await checkpoints.at_size(session, tree_size)
    return archive_rpc.InclusionProofView(
        leaf_index=index,
        tree_size=tree_size,
        leaf_hash=leaf_hash,
        root_hash=(await tree.root(session, tree_size)).hex(),
        path=[p.hex() for p in path],
        checkpoint=checkpoint_view(signed) if signed else None,
    )


async def inclusion_proof(
    session: AsyncSession, req: archive_rpc.InclusionProofRequest
) -> archive_rpc.InclusionProofView:
    tree_size = await _proof_size(session, req.index, req.tree_size)
    row = await tree.leaf(session, req.index)
    if row is None or req.index >= tree_size:
        raise NotFound(
            "no ledger entry {index} in a tree of size {tree_size}",
            params={"index": req.index, "tree_size": tree_size},
        )
    return await _inclusion(session, req.index, row.leaf_hash, tree_size)


async def consistency_proof(
    session: AsyncSession, req: archive_rpc.ConsistencyProofRequest
) -> archive_rpc.ConsistencyProofView:
    await tree.checked_size(session, req.to_size)
    path = await tree.consistency_path(session, req.from_size, req.to_size)
    return archive_rpc.ConsistencyProofView(
        from_size=req.from_size,
        to_size=req.to_size,
        from_root=(await tree.root(session, req.from_size)).hex(),
        to_root=(await tree.root(session, req.to_size)).hex(),
        path=[p.hex() for p in path],
    )


async def provenance(
    session: AsyncSession, req: archive_rpc.ProvenanceRequest
) -> archive_rpc.ProvenanceView:
    """The engagement's entries in chain order, each with its proof against one size:
    the requested one, else the newest checkpoint's, else the current size."""
    rows = await tree.leaves_of_engagement(session, req.engagement_id)
    newest = max((r.leaf_index for r in rows), default=-1)
    tree_size = await _proof_size(session, newest, req.tree_size)
    covered = [r for r in rows if r.leaf_index < tree_size]
    # Every step's path and the root from one read of the nodes: a query per step would
    # make an engagement's page cost grow with its history times the log's depth.
    paths, root = await tree.inclusion_paths(session, [r.leaf_index for r in covered], tree_size)
    signed = await checkpoints.at_size(session, tree_size)
    signed_view = checkpoint_view(signed) if signed else None
    steps = [
        archive_rpc.ProvenanceStep(
            entry=entry_view(r),
            proof=archive_rpc.InclusionProofView(
                leaf_index=r.leaf_index,
                tree_size=tree_size,
                leaf_hash=r.leaf_hash,
                root_hash=root.hex(),
                path=[p.hex() for p in paths[r.leaf_index]],
                checkpoint=signed_view,
            ),
        )
        for r in covered
    ]
    return archive_rpc.ProvenanceView(
        engagement_id=req.engagement_id,
        tree_size=tree_size,
        checkpoint=signed_view,
        steps=steps,
    )
