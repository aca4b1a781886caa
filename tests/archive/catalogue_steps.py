"""Catalogue steps on a migrated database, as the catalogue's use-case tests take them:
one agency and its unit, their callers, an upload sent the way the uploader sends it,
a filed item and its next version (版本), the catalogue as a caller lists it."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, date, datetime
from typing import Any

import httpx
from sqlalchemy import func, select

from contracts.archive import enums as archive_enums
from contracts.archive import rpc_catalogue as c
from contracts.archive.handover import REQUIRED_KINDS, HandoverCheckRequest, HandoverWaiver
from contracts.core import EventEnvelope, Scope, event_type
from contracts.engagement.event_data import HandedOverData
from contracts.engagement.events import EngagementCreatedV1, HandedOverV1, StageReportAcceptedV1
from kit.db import Database
from kit.events import make_event
from kit.ids import new_id
from kit.rpc import CallContext
from kit.storage.s3 import S3Store
from services.archive.catalogue import queries
from services.archive.catalogue.commands import handover, uploads
from services.archive.catalogue.deps import CatalogueDeps
from services.archive.models import messaging

AGENCY, UNIT = new_id(), new_id()
PM = CallContext(actor="pm", tenant=f"agency:{AGENCY}", correlation_id="t")
KEEPER = CallContext(actor="keeper", tenant=f"agency:{AGENCY}", correlation_id="t")
CLIENT = CallContext(actor="client", tenant=f"unit:{UNIT}", correlation_id="t")
AGENCY_CALLER = c.Caller(scope=Scope(agency_id=AGENCY), clearance=3)
UNIT_CALLER = c.Caller(scope=Scope(unit_id=UNIT), clearance=1)
OTHER_AGENCY = c.Caller(scope=Scope(agency_id=new_id()), clearance=3)
CONTENT = "深圳市某化工有限公司 托管服务成果报告\n".encode() * 1000
V2 = "深圳市某化工有限公司 托管服务成果报告（修订版）\n".encode() * 900


async def send(archive: CatalogueDeps, ticket: c.UploadTicket, data: bytes) -> None:
    """What the uploader does: S3 gets a real PUT to the presigned URL; the local store's
    URL is served by the gateway (tested end to end), so its bytes go in directly."""
    if isinstance(archive.store, S3Store):
        async with httpx.AsyncClient() as client:
            r = await client.put(ticket.url, content=data, headers=ticket.headers)
            assert r.status_code == 200, r.text
    else:
        await archive.store.put(
            f"{ticket.item.engagement_id}/{ticket.item.id}/{ticket.item.version}",
            data,
            length=len(data),
            content_type=ticket.headers["Content-Type"],
        )


def upload_request(
    engagement: uuid.UUID, data: bytes = CONTENT, **over: Any
) -> c.RequestUploadRequest:
    fields: dict[str, Any] = {
        "caller": AGENCY_CALLER,
        "engagement_id": engagement,
        "agency_id": AGENCY,
        "unit_id": UNIT,
        "category": archive_enums.ItemCategory.RESULTS_REPORT,
        "title": "托管服务成果报告",
        "filename": "../../etc/成果报告.pdf",
        "content_type": "application/pdf",
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "level": 1,
        "retention": archive_enums.Retention.YEARS_10,
        "document_date": date(2027, 12, 31),
    }
    fields.update(over)
    return c.RequestUploadRequest(**fields)


async def filed(
    db: Database, archive: CatalogueDeps, engagement: uuid.UUID, **over: Any
) -> c.ItemView:
    data = over.pop("data", CONTENT)
    async with db.transaction() as s:
        ticket = await uploads.request_upload(
            archive, s, upload_request(engagement, data, **over), PM
        )
    await send(archive, ticket, data)
    async with db.transaction() as s:
        return await uploads.complete_upload(
            archive, s, c.ItemRequest(caller=AGENCY_CALLER, item_id=ticket.item.id), PM
        )


async def outbox_count(db: Database) -> int:
    async with db.transaction() as s:
        return int(
            (await s.execute(select(func.count()).select_from(messaging.outbox))).scalar_one()
        )


def engagement_created_event(engagement: uuid.UUID) -> EventEnvelope:
    return EventEnvelope(
        event_id=new_id(),
        type=event_type(EngagementCreatedV1),
        occurred_at=datetime.now(UTC),
        actor="pm",
        tenant=f"agency:{AGENCY}",
        engagement_id=engagement,
        correlation_id="t",
        data={"engagement_id": str(engagement), "unit_id": str(UNIT), "agency_id": str(AGENCY)},
    )


def stage_report_event(engagement: uuid.UUID) -> EventEnvelope:
    return EventEnvelope(
        event_id=new_id(),
        type=event_type(StageReportAcceptedV1),
        occurred_at=datetime.now(UTC),
        actor="client",
        tenant=f"unit:{UNIT}",
        engagement_id=engagement,
        correlation_id="t",
        data={
            "report_no": 2,
            "version": 3,
            "period_start": "2027-04-01",
            "period_end": "2027-06-30",
            "status": "accepted",
        },
    )


def version_request(
    item_id: uuid.UUID, data: bytes = V2, caller: c.Caller = AGENCY_CALLER, **over: Any
) -> c.RequestVersionUploadRequest:
    fields: dict[str, Any] = {
        "caller": caller,
        "item_id": item_id,
        "filename": "成果报告-修订.pdf",
        "content_type": "application/pdf",
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    fields.update(over)
    return c.RequestVersionUploadRequest(**fields)


async def request_version(
    db: Database, archive: CatalogueDeps, item_id: uuid.UUID, data: bytes = V2, **over: Any
) -> c.UploadTicket:
    async with db.transaction() as s:
        return await uploads.request_version_upload(
            archive, s, version_request(item_id, data, **over), PM
        )


async def complete(db: Database, archive: CatalogueDeps, item_id: uuid.UUID) -> c.ItemView:
    async with db.transaction() as s:
        return await uploads.complete_upload(
            archive, s, c.ItemRequest(caller=AGENCY_CALLER, item_id=item_id), PM
        )


async def new_version(
    db: Database, archive: CatalogueDeps, item_id: uuid.UUID, data: bytes = V2, **over: Any
) -> c.ItemView:
    ticket = await request_version(db, archive, item_id, data, **over)
    await send(archive, ticket, data)
    return await complete(db, archive, ticket.item.id)


async def listing(
    db: Database, engagement: uuid.UUID, *, caller: c.Caller = AGENCY_CALLER, every: bool = False
) -> list[c.ItemView]:
    async with db.transaction() as s:
        reply = await queries.catalogue(
            s,
            c.CatalogueRequest(caller=caller, engagement_id=engagement, include_superseded=every),
        )
    return reply.items


async def hand_over(
    db: Database,
    archive: CatalogueDeps,
    engagement: uuid.UUID,
    ids: list[uuid.UUID],
    *,
    caller: c.Caller = AGENCY_CALLER,
) -> c.HandoverView:
    """The handover as one act: the archive's check (every required kind not handed over
    waived), then its record from the engagement's handed_over event."""
    waivers = [HandoverWaiver(kind=k, reason="本期无此项") for k in REQUIRED_KINDS]
    async with db.transaction() as s:
        checked = await handover.check(
            s,
            HandoverCheckRequest(
                caller=caller, engagement_id=engagement, item_ids=ids, waivers=waivers
            ),
        )
        data = HandedOverData(
            handed_over_on=date(2027, 12, 20),
            deliverables=[line.item_id for line in checked.lines],
            waivers=waivers,
        )
        event = make_event(HandedOverV1, PM, data, engagement_id=engagement)
        row = await handover.record(archive, s, event)
        return await queries.handover(s, row, caller)
