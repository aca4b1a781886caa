"""Keyset pages (never OFFSET): rows after the last id the caller saw, by UUIDv7 id, which
is creation order."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.core import Page

# A select of any columns (SQLAlchemy 2.1 types a Select by its column tuple).
AnySelect = Select[*tuple[Any, ...]]


async def page_of(
    session: AsyncSession, query: AnySelect, id_column: Any, page: Page
) -> tuple[list[Any], bool, int]:
    """Keyset page by UUIDv7 id (creation order), with has_next and the total."""
    total = (
        await session.execute(select(func.count()).select_from(query.order_by(None).subquery()))
    ).scalar_one()
    if page.after is not None:
        query = query.where(id_column > page.after)
    rows = list((await session.execute(query.order_by(id_column).limit(page.limit + 1))).all())
    return rows[: page.limit], len(rows) > page.limit, int(total)
