"""The per-engagement trace chains in the database."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.archive.ledger.models import TraceEntry


async def head(session: AsyncSession, engagement_id: UUID) -> TraceEntry | None:
    """The chain's last entry, None for an engagement with none yet."""
    return (
        await session.execute(
            select(TraceEntry)
            .where(TraceEntry.engagement_id == engagement_id)
            .order_by(TraceEntry.seq.desc())
            .limit(1)
        )
    ).scalar_one_or_none()


async def chain(session: AsyncSession, engagement_id: UUID) -> list[TraceEntry]:
    rows = await session.execute(
        select(TraceEntry).where(TraceEntry.engagement_id == engagement_id).order_by(TraceEntry.seq)
    )
    return list(rows.scalars())


async def chains(session: AsyncSession, engagement_ids: Sequence[UUID]) -> list[Row[Any]]:
    """The entries of these engagements, by engagement, each in chain order.

    Plain rows, not ORM objects: they are only read into views, and an identity-mapped
    instance per entry cost more than the query (a page of 50 engagements has 250)."""
    table = TraceEntry.__table__
    rows = await session.execute(
        select(*table.c)
        .where(table.c.engagement_id.in_(engagement_ids))
        .order_by(table.c.engagement_id, table.c.seq)
    )
    return list(rows)


async def every_entry(session: AsyncSession) -> AsyncIterator[TraceEntry]:
    """Every chain's entries, by engagement and in chain order, streamed."""
    rows = await session.stream_scalars(
        select(TraceEntry).order_by(TraceEntry.engagement_id, TraceEntry.seq)
    )
    async for row in rows:
        yield row
