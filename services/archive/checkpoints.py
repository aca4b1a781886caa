"""Signed checkpoints of the global log: made on demand and periodically, read back."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kit.logging import get_logger
from services.archive import tree
from services.archive.models import LedgerCheckpoint
from services.archive.signing import Checkpoint, Signer

log = get_logger(__name__)


async def create(session: AsyncSession, signer: Signer) -> LedgerCheckpoint:
    """Sign the tree as it is now. Perfect subtrees never change once complete, so the
    root at this size is the same whatever appends commit meanwhile."""
    tree_size = await tree.size(session)
    # Whole seconds: the note's timestamp line has no fraction, and the row mirrors it.
    now = datetime.now(UTC).replace(microsecond=0)
    checkpoint = Checkpoint(signer.name, tree_size, await tree.root(session, tree_size), now)
    note = signer.sign(checkpoint.body())
    row = LedgerCheckpoint(
        tree_size=tree_size,
        root_hash=checkpoint.root.hex(),
        origin=signer.name,
        issued_at=now,
        key_id=signer.key_id.hex(),
        note=note,
    )
    session.add(row)
    await session.flush()
    log.info("ledger.checkpoint", tree_size=tree_size, root=checkpoint.root.hex(), id=row.id)
    return row


async def latest(session: AsyncSession) -> LedgerCheckpoint | None:
    return (
        await session.execute(
            select(LedgerCheckpoint).order_by(LedgerCheckpoint.id.desc()).limit(1)
        )
    ).scalar_one_or_none()


async def at_size(session: AsyncSession, tree_size: int) -> LedgerCheckpoint | None:
    return (
        await session.execute(
            select(LedgerCheckpoint)
            .where(LedgerCheckpoint.tree_size == tree_size)
            .order_by(LedgerCheckpoint.id.desc())
            .limit(1)
        )
    ).scalar_one_or_none()


async def page(session: AsyncSession, limit: int, before: int | None) -> list[LedgerCheckpoint]:
    query = select(LedgerCheckpoint).order_by(LedgerCheckpoint.id.desc()).limit(limit)
    if before is not None:
        query = query.where(LedgerCheckpoint.id < before)
    return list((await session.execute(query)).scalars())


async def create_if_grown(session: AsyncSession, signer: Signer) -> LedgerCheckpoint | None:
    """A checkpoint unless the newest one already covers the whole log (the periodic job:
    an idle ledger does not pile up identical checkpoints)."""
    last = await latest(session)
    if last is not None and last.tree_size == await tree.size(session):
        return None
    return await create(session, signer)
