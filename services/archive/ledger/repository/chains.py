"""The per-engagement trace chains in the database."""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection, Sequence
from typing import Any, cast
from uuid import UUID

from sqlalchemy import Row, Table, and_, bindparam, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.archive.rpc import TraceEntryView
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


async def heads(
    session: AsyncSession, engagement_ids: Collection[UUID]
) -> dict[UUID, tuple[int, str]]:
    """Each chain's last (seq, entry_hash), for those of `engagement_ids` that have one."""
    table = TraceEntry.__table__
    last = (
        select(table.c.engagement_id, func.max(table.c.seq).label("seq"))
        .where(table.c.engagement_id.in_(list(engagement_ids)))
        .group_by(table.c.engagement_id)
        .subquery()
    )
    rows = await session.execute(
        select(table.c.engagement_id, table.c.seq, table.c.entry_hash).join(
            last,
            and_(table.c.engagement_id == last.c.engagement_id, table.c.seq == last.c.seq),
        )
    )
    return {row.engagement_id: (row.seq, row.entry_hash) for row in rows}


async def append(session: AsyncSession, entries: Sequence[dict[str, Any]]) -> None:
    """New chain links (`TraceEntry` rows) in one statement: plain rows, not ORM
    instances, which nothing in the recording transaction reads back."""
    await session.execute(insert(cast(Table, TraceEntry.__table__)), list(entries))


async def chain(session: AsyncSession, engagement_id: UUID) -> list[TraceEntry]:
    rows = await session.execute(
        select(TraceEntry).where(TraceEntry.engagement_id == engagement_id).order_by(TraceEntry.seq)
    )
    return list(rows.scalars())


# A page's chains: the columns of an entry's view (all the table has, today), built once
# so that its cache key is not traversed again on every call.
_ENTRY_COLUMNS = tuple(TraceEntry.__table__.c[name] for name in TraceEntryView.model_fields)
_CHAINS = (
    select(*_ENTRY_COLUMNS)
    .where(TraceEntry.engagement_id.in_(bindparam("ids", expanding=True)))
    .order_by(TraceEntry.engagement_id, TraceEntry.seq)
)


async def chains(session: AsyncSession, engagement_ids: Sequence[UUID]) -> list[Row[Any]]:
    """The entries of these engagements, by engagement, each in chain order, as plain rows
    of the columns `TraceEntryView` shows (named as its fields).

    Plain rows, not ORM objects: they are only read into views, and an identity-mapped
    instance per entry cost more than the query (a page of 50 engagements has 250)."""
    return list(await session.execute(_CHAINS, {"ids": list(engagement_ids)}))


async def every_entry(session: AsyncSession) -> AsyncIterator[TraceEntry]:
    """Every chain's entries, by engagement and in chain order, streamed."""
    rows = await session.stream_scalars(
        select(TraceEntry).order_by(TraceEntry.engagement_id, TraceEntry.seq)
    )
    async for row in rows:
        yield row
