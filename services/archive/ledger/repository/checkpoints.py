"""The signed checkpoints of the global log in the database: stored and read back."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.archive.ledger.models import LedgerCheckpoint


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


async def get(session: AsyncSession, checkpoint_id: int) -> LedgerCheckpoint:
    return await session.get_one(LedgerCheckpoint, checkpoint_id)


async def by_size(session: AsyncSession) -> list[LedgerCheckpoint]:
    """Every checkpoint, smallest tree first."""
    rows = await session.execute(select(LedgerCheckpoint).order_by(LedgerCheckpoint.tree_size))
    return list(rows.scalars())
