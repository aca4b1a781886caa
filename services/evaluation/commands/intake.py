"""What the evaluation service learns from the engagement service's events.

One durable consumer takes every `engagement.*` event in publication order, so a
unit is known before its engagement, and the engagement before it reaches the
evaluation stage. Each handler is idempotent on its own too (the inbox already
drops redeliveries; the checks here also make replays of history harmless).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.core import EventEnvelope
from contracts.engagement.enums import LinkStatus, RevisionSubject, Stage
from contracts.engagement.events import (
    EngagementCreatedV1,
    EngagementTerminatedV1,
    RecordCorrectedV1,
    RecordVoidedV1,
    StageChangedV1,
    UnitLinkChangedV1,
    UnitRegisteredV1,
)
from kit.inbox import runs_of
from kit.logging import get_logger
from kit.rpc import CallContext
from services.evaluation import repository, suggestions
from services.evaluation.commands import scorecards
from services.evaluation.models import Evidence, UnitDirectoryEntry
from services.evaluation.statistics import repository as statistics_repository
from services.evaluation.statistics.commands import tallied

log = get_logger(__name__)


async def on_engagement_event(session: AsyncSession, event: EventEnvelope) -> None:
    match event:
        case UnitRegisteredV1():
            await register_unit(session, event)
        case UnitLinkChangedV1() if event.data.status is not LinkStatus.PROVISIONAL:
            # The unit shared its file (or the link ended): the agency's own name goes.
            await repository.drop_file_name(session, event.data.unit_id, event.data.agency_id)
        case EngagementCreatedV1():
            await register_engagement(session, event)
        case StageChangedV1():
            await on_stage_changed(session, event)
        case RecordCorrectedV1() | RecordVoidedV1():
            await revise_evidence(session, event)
        case EngagementTerminatedV1():
            await on_terminated(session, event)
        case _ if suggestions.evidence_kind(event.type) in suggestions.EVIDENCE_KINDS:
            await keep_evidence(session, event)
        case _:
            pass  # an engagement event that does not bear on evaluation


async def register_unit(session: AsyncSession, event: UnitRegisteredV1) -> None:
    """Remember the unit's region (regulator scoping) and name (public disclosures), and
    the name an agency working from its own file of the unit knows it by."""
    data = event.data
    if data.agency_file_name is not None and data.registered_by_agency_id is not None:
        await repository.keep_file_name(
            session, data.unit_id, data.registered_by_agency_id, data.agency_file_name
        )
    if await repository.unit_entry(session, data.unit_id) is not None:
        return
    session.add(
        UnitDirectoryEntry(
            unit_id=data.unit_id,
            name=data.name,
            uscc=data.uscc,
            region_code=data.region_code,
            source_event_id=event.event_id,
        )
    )
    # Rows that arrived before the unit (not in normal order) learn its region now,
    # and their results move in the counters from the unknown region ('') to it.
    unplaced = await statistics_repository.series_without_region(session, data.unit_id)
    async with tallied(session, unplaced):
        await repository.learn_region(session, data.unit_id, data.region_code)


async def register_engagement(session: AsyncSession, event: EngagementCreatedV1) -> None:
    """Remember an engagement so it can be evaluated later (R4.2.5)."""
    await register_engagements(session, [event])


async def register_engagements(
    session: AsyncSession, events: Sequence[EngagementCreatedV1]
) -> None:
    """Remember engagements in one statement (a fetched batch of creations), and appoint
    the evaluators of those registered now: a replayed creation appoints nobody again."""
    now = datetime.now(UTC)
    registered = await repository.register(session, [_registration(e, now) for e in events])
    appointed = False
    for event in events:
        data = event.data
        if data.engagement_id not in registered:
            continue
        # The first creation of an engagement in the batch is the one stored (rows go in
        # in order); a second one of the same engagement appoints nobody.
        registered.discard(data.engagement_id)
        if data.assessment is None:
            continue
        for party in data.assessment.parties:
            if party.evaluator_id is not None:
                await repository.appoint(session, data.engagement_id, party.evaluator_id)
                appointed = True
    if appointed:
        await session.flush()


def _registration(event: EngagementCreatedV1, now: datetime) -> dict[str, Any]:
    data = event.data
    return {
        "engagement_id": data.engagement_id,
        "unit_id": data.unit_id,
        "agency_id": data.agency_id,
        "source_event_id": event.event_id,
        "registered_at": now,
        "period_start": data.period_start,
        "period_end": data.period_end,
        "assessment": data.assessment.model_dump(mode="json") if data.assessment else None,
        "fee_terms": data.fee_terms.model_dump(mode="json") if data.fee_terms else None,
        "client_id": data.client_id,
    }


async def on_stage_changed(session: AsyncSession, event: StageChangedV1) -> None:
    """Entering the evaluation stage opens the scorecard, once."""
    if event.data.to_stage != Stage.EVALUATION:
        return
    registration = await repository.registration(session, event.data.engagement_id)
    if registration is None:
        # Not seen engagement.created yet: fail, so the consumer retries later.
        raise LookupError(f"engagement {event.data.engagement_id} is not registered")
    ctx = CallContext(actor=event.actor, tenant=event.tenant, correlation_id=event.correlation_id)
    cards = await scorecards.open_on_stage_change(session, registration, event.event_id, ctx)
    log.info("evaluation.scorecard_opened", opened=len(cards))


async def keep_evidence(session: AsyncSession, event: EventEnvelope) -> None:
    if event.engagement_id is None or await repository.evidence(session, event.event_id):
        return
    kind = suggestions.evidence_kind(event.type)
    data = event.model_dump(mode="json")["data"]
    session.add(
        Evidence(
            event_id=event.event_id,
            engagement_id=event.engagement_id,
            kind=kind,
            occurred_at=event.occurred_at,
            data=data,
            subject_id=suggestions.subject_of(kind, data, event.engagement_id),
        )
    )
    await session.flush()


async def revise_evidence(session: AsyncSession, event: RecordCorrectedV1 | RecordVoidedV1) -> None:
    """A corrected or voided subject: its evidence so far no longer counts; a correction's
    facts (or the team as it now stands) count instead. Suggested scores, computed when
    read, follow at once."""
    data = event.data
    if data.subject == RevisionSubject.UNIT and data.after is not None:
        await rename_unit(session, data.subject_id, str(data.after.get("name", "")))
    engagement_id = event.engagement_id
    if engagement_id is None or data.evidence_subject_id is None:
        return
    if await repository.evidence(session, event.event_id) is not None:
        return  # applied already
    await repository.retire_evidence(
        session, engagement_id, data.evidence_subject_id, event.event_id
    )
    kind = suggestions.evidence_kind(data.evidence_type or "")
    if data.evidence is not None and kind in suggestions.EVIDENCE_KINDS:
        session.add(
            Evidence(
                event_id=event.event_id,
                engagement_id=engagement_id,
                kind=kind,
                occurred_at=event.occurred_at,
                data=data.evidence,
                subject_id=data.evidence_subject_id,
            )
        )
    await session.flush()


async def rename_unit(session: AsyncSession, unit_id: UUID, name: str) -> None:
    """A unit's corrected name is the one public disclosures show (idempotent: the same
    correction arrives once per engagement of the unit)."""
    entry = await repository.unit_entry(session, unit_id)
    if entry is not None and name:
        entry.name = name
        await session.flush()


async def on_terminated(session: AsyncSession, event: EngagementTerminatedV1) -> None:
    """Terminated early: the scorecard that the following stage change opens covers the
    period served, up to the termination date."""
    if event.data.on is not None:
        await repository.served_until(session, event.data.engagement_id, event.data.on)


# A fetched batch in its order: each run of creations registered by one statement, any
# other event on its own where it stands (a unit is still known before the engagements
# after it; a stage change still fails before its engagement is registered).
on_engagement_events = runs_of(EngagementCreatedV1, register_engagements, on_engagement_event)
