"""Creations registered by one statement per batch (`intake.on_engagement_events`) store
the rows the per-event path of before stored, kept here as the reference: the same
registrations (region, terms and client included) and evaluator appointments, a second
creation of one engagement and a redelivered one changing nothing, other events applied
where they stand in the batch (SQLite and PostgreSQL)."""

from __future__ import annotations

import typing
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import CursorResult, Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.core import EventEnvelope
from contracts.engagement.agreement import (
    AssessmentMethod,
    EvaluatingParty,
    EvaluatingPartyKind,
    FeeTerms,
)
from contracts.engagement.events import EngagementCreatedV1
from kit.db import Database, dialect_insert
from kit.ids import new_id
from kit.inbox import one_after_another
from services.evaluation import handlers, repository
from services.evaluation.commands import intake
from services.evaluation.models import EngagementRegistration, UnitDirectoryEntry
from tests.evaluation.conftest import Engagement
from tests.intake_rows import Batches, replayed, same_rows

REGISTRATION = (
    "engagement_id, unit_id, agency_id, source_event_id, period_start, period_end, "
    "region_code, assessment, fee_terms, client_id, registered_at IS NOT NULL"
)
TABLES = {
    # registered_at is the time of application: compared by its presence.
    "engagement_registration": (REGISTRATION, "engagement_id"),
    "evaluator_appointment": ("engagement_id, evaluator_id", "engagement_id, evaluator_id"),
    "unit_directory": ("unit_id, region_code", "unit_id"),
    "scorecard": ("engagement_id, kind, status, region_code", "engagement_id, kind"),
}


async def _register_before(session: AsyncSession, row: dict[str, Any]) -> bool:
    """`repository.register` as it was: a `.values()` built per event."""
    table = typing.cast(Table, EngagementRegistration.__table__)
    region = (
        select(UnitDirectoryEntry.region_code)
        .where(UnitDirectoryEntry.unit_id == row["unit_id"])
        .scalar_subquery()
    )
    result = await session.execute(
        dialect_insert(session)(table)
        .values(**row, region_code=region)
        .on_conflict_do_nothing(index_elements=["engagement_id"])
    )
    return bool(typing.cast(CursorResult[Any], result).rowcount)


async def _event_before(session: AsyncSession, event: EventEnvelope) -> None:
    """The intake as it was: `register_engagement` per creation, the rest unchanged."""
    if not isinstance(event, EngagementCreatedV1):
        await intake.on_engagement_event(session, event)
        return
    data = event.data
    registered = await _register_before(
        session,
        {
            "engagement_id": data.engagement_id,
            "unit_id": data.unit_id,
            "agency_id": data.agency_id,
            "source_event_id": event.event_id,
            "registered_at": datetime.now(UTC),
            "period_start": data.period_start,
            "period_end": data.period_end,
            "assessment": data.assessment.model_dump(mode="json") if data.assessment else None,
            "fee_terms": data.fee_terms.model_dump(mode="json") if data.fee_terms else None,
            "client_id": data.client_id,
        },
    )
    if not registered:
        return
    for party in data.assessment.parties if data.assessment else []:
        if party.evaluator_id is not None:
            await repository.appoint(session, data.engagement_id, party.evaluator_id)
    await session.flush()


def _with_terms(eng: Engagement) -> EngagementCreatedV1:
    """A creation naming a joint panel with an appointed evaluator, fees and a client."""
    event = eng.created()
    assessment = AssessmentMethod(
        parties=[
            EvaluatingParty(kind=EvaluatingPartyKind.CLIENT, weight=Decimal("0.6")),
            EvaluatingParty(
                kind=EvaluatingPartyKind.THIRD_PARTY, weight=Decimal("0.4"), evaluator_id=new_id()
            ),
        ]
    )
    fees = FeeTerms(amount=Decimal("120000.00"), basis="on_results")
    data = event.data.model_copy(
        update={"assessment": assessment, "fee_terms": fees, "client_id": new_id()}
    )
    return event.model_copy(update={"data": data})


async def _compare(db: Database, batches: Batches) -> dict[str, list[tuple[object, ...]]]:
    assert handlers.ENGAGEMENTS.batch_handler is not None
    reference = one_after_another(_event_before)
    return await same_rows(db, TABLES, batches, reference, handlers.ENGAGEMENTS.batch_handler)


async def test_a_batch_of_creations_stores_the_rows_of_before(db: Database) -> None:
    a, far = Engagement.new("440305"), Engagement.new("110101")
    same_unit = Engagement(a.agency_id, a.unit_id, new_id(), a.region)
    unknown_unit = Engagement.new("320102")  # its unit never registered: no region
    setup = [a.unit_registered(), far.unit_registered()]
    created = [a.created(), _with_terms(same_unit), far.created(), unknown_unit.created()]
    await _compare(db, [setup, created])


async def test_a_batch_with_a_creation_twice_and_a_redelivery_changes_nothing(
    db: Database,
) -> None:
    a, b = Engagement.new("440305"), Engagement.new("440306")
    first, second = _with_terms(a), b.created()
    await _compare(
        db,
        [
            [a.unit_registered(), b.unit_registered()],
            [first, second, replayed(first)],
            # The next batch brings a creation registered before: nobody appointed twice.
            [replayed(second), replayed(first), Engagement.new().created()],
        ],
    )


async def test_a_batch_mixing_event_types_is_applied_in_its_order(db: Database) -> None:
    """Units before their engagements in the same batch give them their region; a stage
    change after the creation in the batch opens the scorecard."""
    a, b = Engagement.new("440305"), Engagement.new("440306")
    await _compare(
        db,
        [
            [
                a.unit_registered(),
                a.created(),
                b.created(),  # before its unit: no region yet, learnt when the unit comes
                b.unit_registered(),
                _with_terms(Engagement(a.agency_id, a.unit_id, new_id(), a.region)),
                a.entered_evaluation(),
            ]
        ],
    )


async def test_a_stage_change_before_its_creation_in_a_batch_still_fails(
    db: Database,
) -> None:
    """The batch fails (and the consumer applies its events one by one, the stage change
    retried until its engagement is registered)."""
    a = Engagement.new("440305")
    batch = [a.unit_registered(), a.entered_evaluation(), a.created()]
    assert handlers.ENGAGEMENTS.batch_handler is not None
    with pytest.raises(LookupError):
        async with db.transaction() as session:
            await handlers.ENGAGEMENTS.batch_handler(session, batch)
    async with db.transaction() as session:
        assert await repository.registration(session, a.engagement_id) is None
