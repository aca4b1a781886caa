"""Ledger use cases behind the RPCs: key, checkpoints, entries, proofs, provenance."""

from __future__ import annotations

import base64

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.archive import rpc as c
from contracts.core import NotFound
from services.archive import checkpoints, tree
from services.archive.leaf import Leaf
from services.archive.models import LedgerCheckpoint, LedgerLeaf
from services.archive.signing import Signer


def key_view(signer: Signer) -> c.LedgerKeyView:
    return c.LedgerKeyView(
        origin=signer.name,
        public_key=base64.b64encode(signer.public_key).decode(),
        key_id=signer.key_id.hex(),
        verifier_key=signer.verifier_key,
    )


def checkpoint_view(row: LedgerCheckpoint) -> c.CheckpointView:
    return c.CheckpointView(
        id=row.id,
        tree_size=row.tree_size,
        root_hash=row.root_hash,
        origin=row.origin,
        issued_at=row.issued_at,
        key_id=row.key_id,
        note=row.note,
    )


def leaf_of(row: LedgerLeaf) -> Leaf:
    return Leaf(
        index=row.leaf_index,
        event_id=row.event_id,
        event_type=row.event_type,
        occurred_at=row.occurred_at,
        actor=row.actor,
        tenant=row.tenant,
        payload_sha256=row.payload_sha256,
        engagement_id=row.engagement_id,
        chain_seq=row.chain_seq,
        chain_hash=row.chain_hash,
    )


def entry_view(row: LedgerLeaf) -> c.LedgerEntryView:
    return c.LedgerEntryView(
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
        leaf=leaf_of(row).canonical().decode(),
        leaf_hash=row.leaf_hash,
    )


async def create_checkpoint(session: AsyncSession, signer: Signer) -> c.CheckpointView:
    return checkpoint_view(await checkpoints.create(session, signer))


async def list_checkpoints(session: AsyncSession, req: c.CheckpointsRequest) -> c.CheckpointsReply:
    rows = await checkpoints.page(session, req.limit, req.before)
    return c.CheckpointsReply(items=[checkpoint_view(r) for r in rows])


async def entries(session: AsyncSession, req: c.LedgerEntriesRequest) -> c.LedgerEntriesReply:
    by_index: dict[int, LedgerLeaf] = {}
    by_event: dict[object, LedgerLeaf] = {}
    if req.indexes:
        rows = await session.execute(
            select(LedgerLeaf).where(LedgerLeaf.leaf_index.in_(req.indexes))
        )
        by_index = {r.leaf_index: r for r in rows.scalars()}
    if req.event_ids:
        rows = await session.execute(
            select(LedgerLeaf).where(LedgerLeaf.event_id.in_(req.event_ids))
        )
        by_event = {r.event_id: r for r in rows.scalars()}
    found = [by_index.get(i) for i in req.indexes] + [by_event.get(e) for e in req.event_ids]
    return c.LedgerEntriesReply(items=[entry_view(r) if r else None for r in found])


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
) -> c.InclusionProofView:
    path = await tree.inclusion_path(session, index, tree_size)
    signed = await checkpoints.at_size(session, tree_size)
    return c.InclusionProofView(
        leaf_index=index,
        tree_size=tree_size,
        leaf_hash=leaf_hash,
        root_hash=(await tree.root(session, tree_size)).hex(),
        path=[p.hex() for p in path],
        checkpoint=checkpoint_view(signed) if signed else None,
    )


async def inclusion_proof(
    session: AsyncSession, req: c.InclusionProofRequest
) -> c.InclusionProofView:
    tree_size = await _proof_size(session, req.index, req.tree_size)
    row = await session.get(LedgerLeaf, req.index)
    if row is None or req.index >= tree_size:
        raise NotFound(f"no ledger entry {req.index} in a tree of size {tree_size}")
    return await _inclusion(session, req.index, row.leaf_hash, tree_size)


async def consistency_proof(
    session: AsyncSession, req: c.ConsistencyProofRequest
) -> c.ConsistencyProofView:
    await tree.checked_size(session, req.to_size)
    path = await tree.consistency_path(session, req.from_size, req.to_size)
    return c.ConsistencyProofView(
        from_size=req.from_size,
        to_size=req.to_size,
        from_root=(await tree.root(session, req.from_size)).hex(),
        to_root=(await tree.root(session, req.to_size)).hex(),
        path=[p.hex() for p in path],
    )


async def provenance(session: AsyncSession, req: c.ProvenanceRequest) -> c.ProvenanceView:
    """The engagement's entries in chain order, each with its proof against one size:
    the requested one, else the newest checkpoint's, else the current size."""
    rows = list(
        (
            await session.execute(
                select(LedgerLeaf)
                .where(LedgerLeaf.engagement_id == req.engagement_id)
                .order_by(LedgerLeaf.chain_seq)
            )
        ).scalars()
    )
    newest = max((r.leaf_index for r in rows), default=-1)
    tree_size = await _proof_size(session, newest, req.tree_size)
    covered = [r for r in rows if r.leaf_index < tree_size]
    steps = [
        c.ProvenanceStep(
            entry=entry_view(r),
            proof=await _inclusion(session, r.leaf_index, r.leaf_hash, tree_size),
        )
        for r in covered
    ]
    signed = await checkpoints.at_size(session, tree_size)
    return c.ProvenanceView(
        engagement_id=req.engagement_id,
        tree_size=tree_size,
        checkpoint=checkpoint_view(signed) if signed else None,
        steps=steps,
    )
