"""`totalCount` beside a page: exact up to the cap, the cap itself beyond it, so a page
costs the same however many rows the caller's scope holds (kit/keyset.py TOTAL_CAP);
the pages themselves still reach every row."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy import insert

from contracts.core import Page, Scope
from contracts.engagement.enums import LinkStatus
from contracts.engagement.rpc_directory import ListUnitsRequest
from kit.db import Database
from kit.ids import new_id
from kit.keyset import TOTAL_CAP
from kit.search import normalize
from services.engagement.directory import queries
from services.engagement.models import Unit, UnitLink

AGENCY = UUID("0192f3a0-0000-7000-8000-0000000000aa")


async def add_units(db: Database, n: int, region: str = "320505") -> None:
    rows = [
        {
            "id": new_id(),
            "name": f"苏州单位{i}",
            "search_name": normalize(f"苏州单位{i}"),
            "uscc": f"91{region}{i:010d}",
            "industry_code": "C2614",
            "address": "江苏省苏州市",
            "region_code": region,
            "agency_id": AGENCY,
            "created_at": datetime.now(UTC),
            "created_by": "test",
            "outlets": [],
        }
        for i in range(n)
    ]
    links = [
        {
            "unit_id": row["id"],
            "agency_id": AGENCY,
            "status": LinkStatus.ACTIVE.value,
            "via": "registered",
            "since": row["created_at"],
        }
        for row in rows
    ]
    async with db.transaction() as session:
        await session.execute(insert(Unit), rows)
        await session.execute(insert(UnitLink), links)  # the agency sees them by its link


async def first_page(db: Database, scope: Scope, limit: int = 20) -> tuple[int, bool, int]:
    async with db.transaction() as session:
        page = await queries.list_units(
            session, ListUnitsRequest(scope=scope, page=Page(limit=limit))
        )
    return page.total, page.has_next, len(page.items)


async def test_total_is_exact_below_the_cap(db: Database):
    await add_units(db, 25)
    assert await first_page(db, Scope(agency_id=AGENCY)) == (25, True, 20)
    assert await first_page(db, Scope(region_prefix="3205")) == (25, True, 20)
    assert await first_page(db, Scope(region_prefix="11")) == (0, False, 0)


async def test_total_stops_at_the_cap_and_the_pages_still_reach_every_row(db: Database):
    await add_units(db, TOTAL_CAP + 5)
    assert TOTAL_CAP == 1000
    assert await first_page(db, Scope(agency_id=AGENCY)) == (TOTAL_CAP, True, 20)
    seen: list[UUID] = []
    after = None
    while True:
        async with db.transaction() as session:
            page = await queries.list_units(
                session,
                ListUnitsRequest(scope=Scope(agency_id=AGENCY), page=Page(after=after, limit=500)),
            )
        assert page.total == TOTAL_CAP
        seen += [u.id for u in page.items]
        if not page.has_next:
            break
        after = page.items[-1].id
    assert len(seen) == TOTAL_CAP + 5
    assert seen == sorted(seen)
