"""Keyset pages (never OFFSET): rows after the last id the caller saw, by UUIDv7 id, which
is creation order; and the capped total every list reports beside its page."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.core import Page

# A select of any columns (SQLAlchemy 2.1 types a Select by its column tuple).
AnySelect = Select[*tuple[Any, ...]]

TOTAL_CAP = 1000
"""`totalCount` counts at most this many matches: exact below it, and this number when
there are this many or more (a client shows "1,000+"). Counting every match would read
every row in scope on every page — 100,000 for a province's regulator — so a page would
cost more the more data there is; stopping at the cap keeps a page's cost flat, and a
count beyond a thousand helps nobody paging 20 at a time."""


async def capped_total(session: AsyncSession, query: AnySelect) -> int:
    """How many rows `query` matches, counting no further than TOTAL_CAP."""
    sample = query.order_by(None).limit(TOTAL_CAP).subquery()
    return int((await session.execute(select(func.count()).select_from(sample))).scalar_one())


async def page_of(
    session: AsyncSession, query: AnySelect, id_column: Any, page: Page
) -> tuple[list[Any], bool, int]:
    """Keyset page by UUIDv7 id (creation order), with has_next and the capped total."""
    total = await capped_total(session, query)
    if page.after is not None:
        query = query.where(id_column > page.after)
    rows = list((await session.execute(query.order_by(id_column).limit(page.limit + 1))).all())
    return rows[: page.limit], len(rows) > page.limit, total
