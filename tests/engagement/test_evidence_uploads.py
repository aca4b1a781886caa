"""The engagement's side of an evidence upload: the archive's `filed` event naming a
record links the item to it, once, whatever the redeliveries (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import func, select

from contracts.archive.enums import ArchiveAction
from contracts.archive.events import ArchiveActionData, ArchiveActionV1, ItemAudience
from contracts.engagement import actions as engagement_actions
from kit.db import Database
from kit.events import make_event
from kit.ids import new_id
from services.engagement.models import RecordEvidence, ServiceRecord, messaging
from services.engagement.workflow.commands import act
from services.engagement.workflow.commands.evidence import link_uploaded
from tests.engagement.rows import CTX, engagement_in_implementation


def filed(engagement: UUID, item: UUID, record: UUID, action: ArchiveAction) -> ArchiveActionV1:
    audience = ItemAudience(level=1, agency_id=new_id(), unit_id=None)
    data = ArchiveActionData(
        action=action,
        item_ids=[item],
        sha256=["0" * 64],
        audiences=[audience],
        details={"series_id": str(item), "version": "1", "evidence_for": str(record)},
    )
    return make_event(ArchiveActionV1, CTX, data, engagement_id=engagement)


async def links(db: Database, record: UUID) -> list[tuple[UUID, str]]:
    async with db.transaction() as s:
        rows = await s.execute(
            select(RecordEvidence.item_id, RecordEvidence.role).where(
                RecordEvidence.record_id == record
            )
        )
        return [(r.item_id, r.role) for r in rows]


async def test_R4_2_3_1_a_filed_upload_is_linked_once_however_often_delivered(db: Database):
    engagement, _unit, scope = await engagement_in_implementation(db)
    async with db.transaction() as s:
        inspection = engagement_actions.RecordInspection(
            performed_on=date(2027, 3, 1), problems_found=0, rectification_plans=0
        )
        await act.act(
            s,
            engagement_actions.ActRequest(engagement_id=engagement, scope=scope, action=inspection),
            CTX,
        )
        record = (await s.scalars(select(ServiceRecord.id))).one()
    item = new_id()
    event = filed(engagement, item, record, ArchiveAction.FILED)
    for _ in range(2):  # a redelivery, as if the first acknowledgement was lost
        async with db.transaction() as s:
            await link_uploaded(s, event)
    assert await links(db, record) == [(item, "record")]
    # Traced once, by the uploader, naming the record and the item.
    [changed] = await evidence_events(db)
    assert changed["actor"] == CTX.actor
    assert changed["data"] == {
        "record_id": str(record),
        "item_ids": [str(item)],
        "role": "record",
        "linked": True,
    }


async def evidence_events(db: Database) -> list[dict[str, Any]]:
    async with db.transaction() as s:
        payloads = await s.scalars(select(messaging.outbox.c.payload))
        events = [json.loads(p) for p in payloads]
    return [e for e in events if e["type"] == "engagement.evidence_changed.v1"]


async def test_other_actions_and_foreign_records_link_nothing(db: Database):
    engagement, _unit, _scope = await engagement_in_implementation(db)
    other, _unit, other_scope = await engagement_in_implementation(db)
    async with db.transaction() as s:
        complaint = engagement_actions.RecordComplaint(received_on=date(2027, 3, 1), verified=True)
        await act.act(
            s,
            engagement_actions.ActRequest(engagement_id=other, scope=other_scope, action=complaint),
            CTX,
        )
        foreign = (
            await s.scalars(select(ServiceRecord.id).where(ServiceRecord.engagement_id == other))
        ).one()
    async with db.transaction() as s:
        # A borrowing, not a filing: no link. Filed, but the record is another engagement's: none.
        await link_uploaded(s, filed(other, new_id(), foreign, ArchiveAction.BORROW_APPROVED))
        await link_uploaded(s, filed(engagement, new_id(), foreign, ArchiveAction.FILED))
        await link_uploaded(s, filed(engagement, new_id(), new_id(), ArchiveAction.FILED))
    async with db.transaction() as s:
        assert (await s.scalar(select(func.count()).select_from(RecordEvidence))) == 0
