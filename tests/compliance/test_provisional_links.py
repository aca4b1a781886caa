"""An agency that entered a unit the registry already had works from its own file of it
(a provisional link, issue 14). The calendar shows it what it registered itself, never
another agency's dates, and its reminders name the unit as its own file does, never as
the registry does, until the unit shares its file; on both backends."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from uuid import UUID

import pytest
from sqlalchemy import insert

from contracts.engagement.enums import LinkStatus
from contracts.engagement.events import UnitLinkChangedV1, UnitRegisteredV1
from kit.db import Database
from kit.ids import new_id
from services.compliance import app
from services.compliance.calendar.reminders import unit_names
from services.compliance.intake.commands import on_engagement_event
from services.compliance.models import Permit
from services.compliance.scope import ended_links, others_units
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
    async with migrated_database(database_url, "compliance", app.MIGRATIONS) as database:
        yield database


async def apply(db: Database, *events: UnitRegisteredV1 | UnitLinkChangedV1) -> None:
    for event in events:
        async with db.transaction() as s:
            await on_engagement_event(s, event)


async def names(db: Database) -> dict[tuple[UUID, UUID | None], str]:
    async with db.transaction() as s:
        return await unit_names(s, {UNIT})


async def units_of(db: Database, query: object) -> set[UUID]:
    async with db.transaction() as s:
        return set((await s.execute(query)).scalars())  # type: ignore[call-overload]


def permit(agency: UUID) -> dict[str, object]:
    return {
        "id": new_id(), "unit_id": UNIT, "agency_id": agency, "region_code": "320506",
        "number": f"P{new_id().hex[:12]}", "authority": "苏州市生态环境局", "category": "key",
        "valid_from": date(2026, 1, 1), "valid_to": date(2030, 12, 31), "outlets": ["DW001"],
        "report_schedule": [], "ruleset_version": "v", "created_at": datetime.now(UTC),
        "created_by": "pm",
    }  # fmt: skip


async def test_R3_a_provisional_agency_is_reminded_under_its_own_files_name(db: Database):
    # The order the engagement service records them in: the first agency's unit; then
    # the second agency's provisional link, and the unit announced again with its file.
    await apply(
        db,
        registered(FIRST),
        link(FIRST, LinkStatus.ACTIVE),
        link(SECOND, LinkStatus.PROVISIONAL),
        registered(SECOND, SECOND_FILE_NAME),
    )
    assert await names(db) == {(UNIT, None): REGISTRY_NAME, (UNIT, SECOND): SECOND_FILE_NAME}
    # Applied twice (a redelivery): the same.
    await apply(db, registered(SECOND, SECOND_FILE_NAME))
    assert await names(db) == {(UNIT, None): REGISTRY_NAME, (UNIT, SECOND): SECOND_FILE_NAME}

    # The unit shares its file: the registry's name from now on.
    await apply(db, link(SECOND, LinkStatus.ACTIVE))
    assert await names(db) == {(UNIT, None): REGISTRY_NAME}


async def test_R3_a_provisional_agency_sees_its_own_dates_and_no_other_agencys(db: Database):
    await apply(
        db,
        registered(FIRST),
        link(FIRST, LinkStatus.ACTIVE),
        link(SECOND, LinkStatus.PROVISIONAL),
        registered(SECOND, SECOND_FILE_NAME),
    )
    async with db.transaction() as s:
        await s.execute(insert(Permit), [permit(FIRST), permit(SECOND)])
    # Not an ended link (its own dates stay), and not one that shows the first agency's.
    assert await units_of(db, ended_links(SECOND)) == set()
    assert await units_of(db, others_units(SECOND)) == set()
    assert await units_of(db, others_units(FIRST)) == {UNIT}
    # Shared: it sees the unit's whole calendar, as the first agency does.
    await apply(db, link(SECOND, LinkStatus.ACTIVE))
    assert await units_of(db, others_units(SECOND)) == {UNIT}
    # Ended: its own engagements' dates only.
    await apply(db, link(SECOND, LinkStatus.ENDED))
    assert await units_of(db, ended_links(SECOND)) == {UNIT}
