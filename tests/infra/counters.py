"""Reading a counter table (kit/counters.py) as its readers do: by its key, summed over
its slots."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from kit.db import Database


async def summed(db: Database, *key: Any) -> dict[tuple[Any, ...], int]:
    """The counts by `key` (the table's key but the slot), summed over the slots; the
    ones that sum to 0 left out."""
    n = key[0].table.c.n
    async with db.transaction() as s:
        rows = await s.execute(select(*key, func.sum(n)).group_by(*key))
        return {tuple(row[:-1]): int(row[-1]) for row in rows if row[-1]}
