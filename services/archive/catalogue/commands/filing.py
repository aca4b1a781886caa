"""Automatic filing (R4.2.4.2, R8): the engagement's accepted stage reports and the
evaluation's finalised scorecards become archive items, as canonical JSON records of the
event. Idempotent: the inbox drops redeliveries, and the item's id and key derive from the
event id, so even a retry after a failed commit rewrites the same object."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, cast

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.archive import enums as archive_enums
from contracts.core import EventEnvelope, event_type
from contracts.engagement.events import EngagementCreatedV1, StageReportAcceptedV1
from contracts.evaluation.events import ScorecardFinalizedV1
from kit.auth import Level
from kit.logging import get_logger
from kit.rpc import CallContext
from services.archive.catalogue import domain, repository
from services.archive.catalogue.commands.actions import record_action
from services.archive.catalogue.commands.uploads import lock_finalised
from services.archive.catalogue.deps import CatalogueDeps
from services.archive.catalogue.models import ArchiveItem
from services.archive.catalogue.search import index_filed

log = get_logger(__name__)

FILED_EVENTS = (EngagementCreatedV1, StageReportAcceptedV1, ScorecardFinalizedV1)
FILED_TYPES = {event_type(cls): cls for cls in FILED_EVENTS}
CREATED = event_type(EngagementCreatedV1)
# Item ids of filed events: uuid5 of the event id in this namespace.
FILING_NAMESPACE = uuid.UUID("5f0e3a52-6c1b-4f7e-9d0a-2b7c1e8a4d10")


def is_creation(event: EventEnvelope) -> bool:
    return event.type == CREATED


def stores_an_object(event: EventEnvelope) -> bool:
    """Filing it writes an object before its rows: a rolled-back batch would leave the
    object behind, so such an event is applied on its own."""
    return event.type in FILED_TYPES and event.type != CREATED


async def file_any(
    deps: CatalogueDeps, session: AsyncSession, event: EventEnvelope
) -> ValidationError | None:
    """Any event as the archive's one consumer reads it (the bare envelope, as the ledger
    hashes it): a filed type is filed, any other changes nothing here. A report or
    scorecard its class refuses is not filed, nothing of it stored: the refusal is
    returned, for the caller to keep."""
    if is_creation(event):
        await remember_created(session, [event])  # its parties, read off the envelope
    elif stores_an_object(event):
        try:
            filed = as_filed(event)
        except ValidationError as refused:
            return refused
        await file_event(deps, session, filed)
    return None


def as_filed(event: EventEnvelope) -> EventEnvelope:
    """A report or scorecard as its class, validated from JSON as the consumer that
    declared the class parsed it, so the filed record holds the same bytes as before.
    Rare events: the second validation costs nothing that counts."""
    return FILED_TYPES[event.type].model_validate_json(event.model_dump_json())


async def file_event(deps: CatalogueDeps, session: AsyncSession, event: EventEnvelope) -> None:
    if event.type == CREATED:  # typed, or an envelope not parsed as its class
        await remember_created(session, [event])
        return
    data = event.model_dump(mode="json")["data"]
    if event.engagement_id is None:
        log.info("archive.filing_skipped", reason="no engagement", event_type=event.type)
        return
    if event.type == event_type(StageReportAcceptedV1):
        title = f"阶段性工作报告 第{data['report_no']}期"
        spec = (
            archive_enums.ItemCategory.STAGE_REPORT,
            title,
            int(data["version"]),
            archive_enums.Retention.YEARS_10,
        )
    elif event.type == event_type(ScorecardFinalizedV1):
        title = f"绩效评价结果 {data['period_label']} ({data['grade']})"
        spec = (
            archive_enums.ItemCategory.EVALUATION_RESULT,
            title,
            int(data["version"]),
            archive_enums.Retention.YEARS_30,
        )
    else:
        return
    await _file(deps, session, event, data, *spec)


async def remember_created(session: AsyncSession, events: Sequence[EventEnvelope]) -> None:
    """The parties of created engagements, from the events as parsed (no JSON dump of
    each): one statement for a fetched batch of them."""
    await repository.remember_many_parties(session, [_parties(e) for e in events])


def _parties(event: EventEnvelope) -> dict[str, uuid.UUID | None]:
    """A creation's parties: from its typed data, or from the bare envelope's JSON object
    (the one consumer reads every event bare; only these four ids are needed, so the
    creation is not validated again as its class)."""
    if isinstance(event, EngagementCreatedV1):
        d = event.data
        return {
            "engagement_id": d.engagement_id,
            "agency_id": d.agency_id,
            "unit_id": d.unit_id,
            "client_id": d.client_id,
        }
    data = event.data
    client = data.get("client_id")
    return {
        "engagement_id": uuid.UUID(data["engagement_id"]),
        "agency_id": uuid.UUID(data["agency_id"]),
        "unit_id": uuid.UUID(data["unit_id"]),
        "client_id": uuid.UUID(client) if client else None,
    }


async def _file(
    deps: CatalogueDeps,
    session: AsyncSession,
    event: EventEnvelope,
    data: dict[str, Any],
    category: archive_enums.ItemCategory,
    title: str,
    version: int,
    retention: archive_enums.Retention,
) -> None:
    assert event.engagement_id is not None
    # The parties' row first, locked: a concurrent filer of this event has then
    # committed, and the check below sees its item.
    parties = await repository.parties_to_file_for(session, event.engagement_id)
    if parties is None:
        # The engagement's creation has not reached us yet: fail, be redelivered later.
        raise LookupError(f"engagement {event.engagement_id} not yet known to the archive")
    if await repository.filed_from(session, event.event_id):
        return
    item_id = uuid.uuid5(FILING_NAMESPACE, str(event.event_id))
    ctx = CallContext(actor=event.actor, tenant=event.tenant, correlation_id=event.correlation_id)
    await file_bytes(
        deps,
        session,
        ctx,
        NewRecord(
            item_id=item_id,
            series_id=item_id,  # versions of a filed record are records of their own events
            version=version,
            engagement_id=event.engagement_id,
            agency_id=parties.agency_id,
            unit_id=parties.unit_id,
            category=category,
            title=title,
            filename=f"{category}-{item_id}.json",
            content_type="application/json",
            level=int(Level.INTERNAL),
            retention=retention,
            document_date=_document_date(event),
            metadata={"source-event-type": event.type},
            source_event_id=event.event_id,
        ),
        _document(event, data),
        source_event=str(event.event_id),
    )
    log.info("archive.auto_filed", item_id=str(item_id), event_type=event.type)


@dataclass(frozen=True)
class NewRecord:
    """What a record filed by the archive itself (from an event, or a generated document)
    is: the catalogue's columns the filer decides."""

    item_id: uuid.UUID
    series_id: uuid.UUID
    version: int
    engagement_id: uuid.UUID
    agency_id: uuid.UUID
    unit_id: uuid.UUID
    category: archive_enums.ItemCategory
    title: str
    filename: str
    content_type: str
    level: int
    retention: archive_enums.Retention
    document_date: date
    metadata: dict[str, str]
    created_by: str | None = None
    source_event_id: uuid.UUID | None = None


async def file_bytes(
    deps: CatalogueDeps,
    session: AsyncSession,
    ctx: CallContext,
    record: NewRecord,
    content: bytes,
    **details: str,
) -> ArchiveItem:
    """File bytes the archive produced: store them under the item's key, hash what the
    store holds, put that version under object lock, add the filed row and record the
    `filed` action (outbox) in the caller's transaction. Storing again under the same key
    (a retry after a failed commit) is harmless: the row names the version it hashed."""
    key = domain.object_key(record.engagement_id, record.item_id, record.version)
    stored = await deps.store.put(
        key, content, length=len(content), content_type=record.content_type
    )
    now = datetime.now(UTC)
    row = ArchiveItem(
        id=record.item_id,
        series_id=record.series_id,
        engagement_id=record.engagement_id,
        agency_id=record.agency_id,
        unit_id=record.unit_id,
        client_id=await repository.client_of(session, record.engagement_id),
        volume_id=None,
        category=record.category,
        title=record.title,
        filename=domain.display_filename(record.filename),
        content_type=record.content_type,
        size=stored.size,
        sha256=stored.sha256 or hashlib.sha256(content).hexdigest(),
        version=record.version,
        object_key=key,
        object_version=stored.version_id,
        level=record.level,
        retention=record.retention,
        document_date=record.document_date,
        item_metadata=dict(record.metadata),
        status=archive_enums.ItemStatus.FILED,
        handed_over=False,
        source_event_id=record.source_event_id,
        created_by=record.created_by or ctx.actor,
        created_at=now,
        filed_at=now,
    )
    await lock_finalised(deps, row, stored.version_id)
    session.add(row)
    await session.flush()
    await index_filed(session, row)
    await record_action(
        session,
        ctx,
        archive_enums.ArchiveAction.FILED,
        record.engagement_id,
        [row],
        **cast(dict[str, Any], details),  # never agency_only: a filing is the unit's record too
    )
    return row


def _document(event: EventEnvelope, data: dict[str, Any]) -> bytes:
    """The filed record: canonical JSON (sorted keys, no spaces), so equal events give
    equal bytes and equal hashes."""
    record = {
        "event_id": str(event.event_id),
        "event_type": event.type,
        "engagement_id": str(event.engagement_id),
        "occurred_at": event.occurred_at.isoformat(),
        "actor": event.actor,
        "tenant": event.tenant,
        "data": data,
    }
    return json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def _document_date(event: EventEnvelope) -> date:
    return event.occurred_at.astimezone(UTC).date()
