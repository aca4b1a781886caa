"""A scorecard export names the unit as its reader knows it (issue 14): the agency that
works from its own file of a unit the registry already had (a provisional link) gets its
own file's name, until the unit shares its file; the unit, regulators and every other
agency get the registry's; on both backends."""

from __future__ import annotations

from collections.abc import AsyncIterator
from uuid import UUID

import pytest

from contracts.engagement.enums import LinkStatus
from kit.db import Database
from services.evaluation import app, repository
from services.evaluation.commands.intake import on_engagement_event
from tests.infra.databases import migrated_database
from tests.provisional_events import (
    FIRST,
    REGISTRY_NAME,
    SECOND,
    SECOND_FILE_NAME,
    UNIT,
    link,
    registered,
)


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    async with migrated_database(database_url, "evaluation", app.MIGRATIONS) as database:
        yield database


async def name_for(db: Database, agency: UUID) -> str | None:
    async with db.transaction() as s:
        return await repository.unit_name_for(s, UNIT, agency)


async def test_R3_a_provisional_agency_knows_the_unit_by_its_own_files_name(db: Database):
    for event in (
        registered(FIRST),
        link(SECOND, LinkStatus.PROVISIONAL),
        registered(SECOND, SECOND_FILE_NAME),
        registered(SECOND, SECOND_FILE_NAME),  # a redelivery changes nothing
    ):
        async with db.transaction() as s:
            await on_engagement_event(s, event)
    assert await name_for(db, SECOND) == SECOND_FILE_NAME
    assert await name_for(db, FIRST) == REGISTRY_NAME
    async with db.transaction() as s:
        entry = await repository.unit_entry(s, UNIT)
    assert entry is not None
    assert entry.name == REGISTRY_NAME  # the first announcement kept

    async with db.transaction() as s:
        await on_engagement_event(s, link(SECOND, LinkStatus.ACTIVE))
    assert await name_for(db, SECOND) == REGISTRY_NAME
