"""The inbox's statements, built once per inbox table and database dialect, with bound
parameters: applying an event no longer builds a SELECT and an INSERT and computes
their cache keys each time (docs/BENCHMARKS.md §17, sixth round).

Where the database returns rows from an INSERT (PostgreSQL; SQLite from 3.35), a
fresh event's inbox check *is* its inbox row: one `INSERT … ON CONFLICT DO NOTHING
RETURNING event_id`, which returns nothing when the row is already there. A replica
racing on the same event waits for the other's transaction on PostgreSQL and then
finds the row (SQLite has one writer at a time), so the loser sees a duplicate
instead of an IntegrityError.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from uuid import UUID

from sqlalchemy import Insert, Select, Table, bindparam, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession

# Both dialects' INSERT have `on_conflict_do_nothing`, with the same arguments.
_INSERT_IGNORING_CONFLICTS: dict[str, Callable[[Table], Any]] = {
    "postgresql": postgresql.insert,
    "sqlite": sqlite.insert,
}


@dataclass(frozen=True)
class InboxStatements:
    insert: Insert
    """The inbox rows, as parameters (one dict per row)."""
    claim_row: Insert | None
    """The row unless it is there, returning its id when inserted; None where the
    database cannot return rows from an INSERT (then: look, then insert)."""
    one: Select[UUID]
    many: Select[UUID]

    async def claim(self, session: AsyncSession, row: Mapping[str, Any]) -> bool:
        """Record the event's inbox row in the session's transaction; False when it was
        there already (applied before, or by a replica that committed first)."""
        if self.claim_row is not None:
            return (await session.execute(self.claim_row, row)).first() is not None
        if await self.seen(session, row["consumer"], row["event_id"]):
            return False
        await session.execute(self.insert, row)
        return True

    async def claim_many(
        self, session: AsyncSession, rows: Sequence[Mapping[str, Any]]
    ) -> set[UUID]:
        """Record the inbox rows (one per event id) that are not there yet; returns
        their event ids."""
        if not rows:
            # Executed without parameters, the INSERT would be one of DEFAULT VALUES.
            return set()
        if self.claim_row is not None:
            # One INSERT of all the rows (SQLAlchemy's "insertmanyvalues"), returning
            # the ids of those inserted: the look-up is the insert, as for one event.
            return set((await session.execute(self.claim_row, rows)).scalars())
        consumer = rows[0]["consumer"]
        done = await self.seen_of(session, consumer, [r["event_id"] for r in rows])
        fresh = [r for r in rows if r["event_id"] not in done]
        if fresh:
            await session.execute(self.insert, fresh)
        return {r["event_id"] for r in fresh}

    async def seen(self, session: AsyncSession, consumer: str, event_id: UUID) -> bool:
        found = await session.execute(self.one, {"consumer": consumer, "event_id": event_id})
        return found.first() is not None

    async def seen_of(
        self, session: AsyncSession, consumer: str, event_ids: Sequence[UUID]
    ) -> set[UUID]:
        """Those of `event_ids` the consumer has applied."""
        found = await session.execute(self.many, {"consumer": consumer, "ids": event_ids})
        return set(found.scalars())


def inbox_statements(inbox: Table, dialect: Dialect) -> InboxStatements:
    return _built(inbox, dialect.name, bool(dialect.insert_returning))


@lru_cache(maxsize=64)
def _built(inbox: Table, dialect_name: str, insert_returning: bool) -> InboxStatements:
    c = inbox.c
    ignoring_conflicts = _INSERT_IGNORING_CONFLICTS.get(dialect_name)
    claim_row = None
    if ignoring_conflicts is not None and insert_returning:
        claim_row = (
            ignoring_conflicts(inbox)
            .on_conflict_do_nothing(index_elements=[c.consumer, c.event_id])
            .returning(c.event_id)
        )
    by_consumer = c.consumer == bindparam("consumer")
    any_of_ids = c.event_id.in_(bindparam("ids", expanding=True))
    return InboxStatements(
        insert=insert(inbox),
        claim_row=claim_row,
        one=select(c.event_id).where(by_consumer, c.event_id == bindparam("event_id")),
        many=select(c.event_id).where(by_consumer, any_of_ids),
    )
