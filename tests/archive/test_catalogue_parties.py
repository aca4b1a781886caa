"""An engagement's owners are learnt by whichever comes first — its `created` event or
the first upload — and both may run at once (a test uploads right after creating)."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from uuid import UUID

import pytest

from kit.db import Database
from kit.ids import new_id
from services.archive.catalogue import repository
from services.archive.catalogue.models import ArchiveItem


async def test_two_transactions_remembering_the_same_parties_both_succeed(db: Database) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite runs one writer at a time (a pool of one): no race to lose")
    engagement, agency, unit = new_id(), new_id(), new_id()
    async with db.transaction() as first:
        await repository.remember_parties(first, engagement, agency, unit)
        # The second one reads nothing yet (not committed), inserts, and waits on the
        # first's key; once that commits, it must skip, not fail with a unique violation.
        second = asyncio.create_task(_remember(db, engagement, agency, unit))
        await asyncio.sleep(0.3)
        assert not second.done()
    await asyncio.wait_for(second, timeout=30)
    async with db.transaction() as session:
        parties = await repository.parties(session, engagement)
    assert parties is not None
    assert (parties.agency_id, parties.unit_id) == (agency, unit)


async def _remember(db: Database, engagement: UUID, agency: UUID, unit: UUID) -> None:
    async with db.transaction() as session:
        await repository.remember_parties(session, engagement, agency, unit)


async def test_the_client_learnt_after_an_upload_reaches_the_items_filed_before(
    db: Database,
) -> None:
    """An upload may come before `engagement.created.v1` (which alone names a park's,
    group's or region's client, issue 14): the event then adds the client to the parties
    and to the engagement's items, and a replay of it changes nothing."""
    engagement, agency, unit, park = new_id(), new_id(), new_id(), new_id()
    async with db.transaction() as session:
        await repository.remember_parties(session, engagement, agency, unit)
        item = filed_item(engagement, agency, unit, await repository.client_of(session, engagement))
        session.add(item)
    assert item.client_id is None
    for _replay in range(2):
        async with db.transaction() as session:
            await repository.remember_parties(session, engagement, agency, unit, park)
    async with db.transaction() as session:
        assert await repository.client_of(session, engagement) == park
        stored = await session.get(ArchiveItem, item.id)
        assert stored is not None
        assert stored.client_id == park


def filed_item(engagement: UUID, agency: UUID, unit: UUID, client: UUID | None) -> ArchiveItem:
    item_id = new_id()
    return ArchiveItem(
        id=item_id,
        series_id=item_id,
        engagement_id=engagement,
        agency_id=agency,
        unit_id=unit,
        client_id=client,
        category="RESULTS_REPORT",
        title="成果报告",
        filename="成果报告.pdf",
        content_type="application/pdf",
        size=1,
        sha256="0" * 64,
        version=1,
        object_key=f"engagements/{engagement}/{item_id}/1",
        level=1,
        retention="10y",
        document_date=date(2027, 12, 31),
        item_metadata={},
        status="filed",
        handed_over=False,
        created_by="test",
        created_at=datetime.now(UTC),
    )
