"""Creations linked by one statement per table and batch (`intake.on_engagement_events`)
store the rows the per-event path of before stored, kept here as the reference: the same
engagement links, covered units and serving agencies, a second creation of one
engagement and a redelivered one changing nothing, link changes and list items applied
where they stand in the batch (SQLite and PostgreSQL)."""

from __future__ import annotations

import typing
from collections.abc import AsyncIterator
from datetime import date
from uuid import UUID

import pytest
from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.core import EventEnvelope
from contracts.engagement.enums import LinkStatus
from contracts.engagement.event_data import EngagementCreatedData, ListItemAddedData
from contracts.engagement.events import EngagementCreatedV1, ListItemAddedV1
from kit.db import Database, dialect_insert
from kit.events import make_event
from kit.ids import new_id
from kit.inbox import one_after_another
from services.compliance import app, handlers
from services.compliance.intake import commands as intake
from services.compliance.models import EngagementCover, EngagementLink, UnitAgency
from tests.infra.databases import migrated_database
from tests.intake_rows import Batches, replayed, same_rows
from tests.provisional_events import CTX, FIRST, SECOND, UNIT, link, registered

TABLES = {
    "engagement_link": ("engagement_id, unit_id, agency_id, client_id", "engagement_id"),
    "engagement_cover": ("engagement_id, unit_id", "engagement_id, unit_id"),
    "unit_agency": ("unit_id, agency_id, active, provisional, file_name", "unit_id, agency_id"),
    "occurrence": ("engagement_id, source_id, unit_id, agency_id, region_code", "source_id"),
}


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    async with migrated_database(database_url, "compliance", app.MIGRATIONS) as database:
        yield database


async def _event_before(session: AsyncSession, event: EventEnvelope) -> None:
    """The intake as it was: a creation by three `.values()` statements built per event,
    the rest unchanged."""
    if not isinstance(event, EngagementCreatedV1):
        await intake.on_engagement_event(session, event)
        return
    data, insert = event.data, dialect_insert(session)
    await session.execute(
        insert(typing.cast(Table, EngagementLink.__table__))
        .values(
            engagement_id=data.engagement_id,
            unit_id=data.unit_id,
            agency_id=data.agency_id,
            client_id=data.client_id,
        )
        .on_conflict_do_nothing(index_elements=["engagement_id"])
    )
    if data.covered_unit_ids:
        await session.execute(
            insert(typing.cast(Table, EngagementCover.__table__))
            .values(
                [
                    {"engagement_id": data.engagement_id, "unit_id": u}
                    for u in dict.fromkeys(data.covered_unit_ids)
                ]
            )
            .on_conflict_do_nothing(index_elements=["engagement_id", "unit_id"])
        )
    await session.execute(
        insert(typing.cast(Table, UnitAgency.__table__))
        .values(unit_id=data.unit_id, agency_id=data.agency_id)
        .on_conflict_do_nothing(index_elements=["unit_id", "agency_id"])
    )


def created(
    agency: UUID, unit: UUID = UNIT, *, client: UUID | None = None, covers: int = 0
) -> EngagementCreatedV1:
    engagement = new_id()
    data = EngagementCreatedData(
        engagement_id=engagement,
        unit_id=unit,
        agency_id=agency,
        service_modes=["roving"],
        period_start=date(2027, 1, 1),
        period_end=date(2027, 12, 31),
        status="preparation",
        client_id=client,
        covered_unit_ids=[unit, *(new_id() for _ in range(covers)), unit] if covers else [],
    )
    return make_event(EngagementCreatedV1, CTX, data, engagement_id=engagement)


def list_item(engagement: UUID) -> ListItemAddedV1:
    data = ListItemAddedData(
        item_id=new_id(), catalogue_code="6.1.5", title="环境监测", due_date=date(2027, 3, 31)
    )
    return make_event(ListItemAddedV1, CTX, data, engagement_id=engagement)


async def _compare(db: Database, batches: Batches) -> dict[str, list[tuple[object, ...]]]:
    assert handlers.ENGAGEMENTS.batch_handler is not None
    reference = one_after_another(_event_before)
    return await same_rows(db, TABLES, batches, reference, handlers.ENGAGEMENTS.batch_handler)


async def test_a_batch_of_creations_stores_the_rows_of_before(db: Database) -> None:
    other_unit = new_id()
    await _compare(
        db,
        [
            [registered(FIRST)],
            [
                created(FIRST),
                created(FIRST),  # a second engagement of the same unit and agency
                created(SECOND, client=new_id(), covers=2),
                created(SECOND, other_unit),  # a unit not in the directory
            ],
        ],
    )


async def test_a_batch_with_a_creation_twice_and_a_redelivery_changes_nothing(
    db: Database,
) -> None:
    first, second = created(FIRST, client=new_id(), covers=1), created(SECOND)
    await _compare(
        db,
        [
            [registered(FIRST)],
            [first, second, replayed(first)],
            [replayed(second), replayed(first), created(FIRST)],
        ],
    )


async def test_a_batch_mixing_event_types_is_applied_in_its_order(db: Database) -> None:
    """A provisional link before a creation keeps its state (the creation adds no
    serving agency over it); a link ended after the creation ends it; a list item after
    its creation goes on the calendar, one before it does not."""
    early, late = created(SECOND), created(FIRST)
    stored = await _compare(
        db,
        [
            [
                registered(FIRST),
                link(SECOND, LinkStatus.PROVISIONAL),
                list_item(late.data.engagement_id),
                early,
                late,
                list_item(late.data.engagement_id),
                link(FIRST, LinkStatus.ENDED),
                created(FIRST),
            ]
        ],
    )
    assert len(stored["occurrence"]) == 1
