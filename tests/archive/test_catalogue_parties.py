"""An engagement's owners are learnt by whichever comes first — its `created` event or
the first upload — and both may run at once (a test uploads right after creating)."""

from __future__ import annotations

import asyncio
from uuid import UUID

import pytest

from kit.db import Database
from kit.ids import new_id
from services.archive.catalogue import repository


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
