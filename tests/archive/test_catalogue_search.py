"""Searching archive items across engagements: by part of the title, category, document
date and level, with exactly the visibility of the catalogue (tenant, 密级, handover)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from contracts.archive import rpc_catalogue as c
from contracts.archive.enums import ItemCategory
from contracts.core import Page, Scope
from kit.db import Database
from kit.ids import new_id
from services.archive.catalogue import queries
from services.archive.catalogue.deps import CatalogueDeps
from tests.archive.catalogue_steps import (
    AGENCY_CALLER,
    OTHER_AGENCY,
    UNIT,
    filed,
    new_version,
)


async def _search(db: Database, caller: c.Caller = AGENCY_CALLER, **filters: Any) -> list[str]:
    async with db.transaction() as s:
        page = await queries.search_items(
            s, c.SearchItemsRequest(caller=caller, page=Page(limit=100), **filters)
        )
    assert page.total == len(page.items)
    return sorted(f"{i.title}#{i.version}" for i in page.items)


async def _seed(db: Database, archive: CatalogueDeps) -> tuple[str, uuid.UUID, uuid.UUID]:
    """Items of two engagements whose titles share a marker no other test uses."""
    marker = f"检索{uuid.uuid4().hex[:6]}"
    first, second = new_id(), new_id()
    await filed(db, archive, first, title=f"{marker} 2027年度托管服务成果报告")
    await filed(
        db,
        archive,
        first,
        title=f"{marker} 第3期阶段性工作报告",
        category=ItemCategory.STAGE_REPORT,
        document_date=date(2027, 3, 31),
    )
    await filed(
        db,
        archive,
        second,
        title=f"{marker} 应急预案 (机密)",
        level=3,
        document_date=date(2027, 6, 1),
    )
    return marker, first, second


async def test_items_by_part_of_the_title_across_engagements(db: Database, archive: CatalogueDeps):
    marker, first, second = await _seed(db, archive)
    assert await _search(db, search=f"{marker} 2027年度") == [
        f"{marker} 2027年度托管服务成果报告#1"
    ]
    assert len(await _search(db, search=marker)) == 3
    assert await _search(db, search="阶段性", engagement_id=first) == [
        f"{marker} 第3期阶段性工作报告#1"
    ]
    assert await _search(db, search="报告告") == []  # both bigrams exist, not adjacent
    both = await _search(db, search=marker, category=ItemCategory.STAGE_REPORT)
    assert both == [f"{marker} 第3期阶段性工作报告#1"]
    dated = await _search(
        db, search=marker, document_date_from=date(2027, 3, 1), document_date_to=date(2027, 6, 30)
    )
    assert dated == sorted([f"{marker} 第3期阶段性工作报告#1", f"{marker} 应急预案 (机密)#1"])
    assert await _search(db, search=marker, level=3) == [f"{marker} 应急预案 (机密)#1"]
    assert await _search(db, search=marker, engagement_id=second) == [f"{marker} 应急预案 (机密)#1"]


async def test_search_sees_what_the_catalogue_shows_and_no_more(
    db: Database, archive: CatalogueDeps
):
    marker, _, _ = await _seed(db, archive)
    assert await _search(db, OTHER_AGENCY, search=marker) == []
    # Clearance: the 机密 (3) item is not found by a caller cleared for 1.
    cleared_1 = c.Caller(scope=AGENCY_CALLER.scope, clearance=1)
    assert len(await _search(db, cleared_1, search=marker)) == 2
    # The unit sees nothing until items are handed over to it.
    unit = c.Caller(scope=Scope(unit_id=UNIT), clearance=3)
    assert await _search(db, unit, search=marker) == []


async def test_superseded_versions_only_when_asked(db: Database, archive: CatalogueDeps):
    marker = f"版本{uuid.uuid4().hex[:6]}"
    v1 = await filed(db, archive, new_id(), title=f"{marker} 实施方案")
    await new_version(db, archive, v1.id)
    assert await _search(db, search=marker) == [f"{marker} 实施方案#2"]
    assert await _search(db, search=marker, include_superseded=True) == [
        f"{marker} 实施方案#1",
        f"{marker} 实施方案#2",
    ]
