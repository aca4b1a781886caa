"""Evidence on records after the fact: link archive items to a service record or a
rectification item (`AttachEvidence`, the archive having checked them) or unlink them
(`DetachEvidence`); and the link an evidence upload asked for, made when the archive
files the item (`link_uploaded`, from its `archive.action.v1`)."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.archive.enums import ArchiveAction
from contracts.archive.events import ArchiveActionV1
from contracts.core import EventEnvelope, ValidationFailed
from contracts.engagement import actions as engagement_actions
from contracts.engagement.enums import EvidenceRole, RectificationStatus
from contracts.engagement.errors import RecordNotFound
from kit.logging import get_logger
from kit.rpc import CallContext
from services.engagement.workflow import evidence_repository, repository
from services.engagement.workflow.commands.step import Step, handles

log = get_logger(__name__)


async def _record_kind(step: Step, record_id: UUID) -> str:
    """`rectification`, or the service record's kind; not found outside this engagement."""
    rectification = await repository.rectification(step.session, record_id)
    if rectification is not None and rectification.engagement_id == step.engagement.id:
        return "rectification"
    record = await repository.service_record(step.session, record_id)
    if record is not None and record.engagement_id == step.engagement.id:
        return str(record.kind)
    raise RecordNotFound("no such record in this engagement", field="recordId")


@handles(engagement_actions.AttachEvidence)
async def attach_evidence(step: Step, a: engagement_actions.AttachEvidence) -> None:
    kind = await _record_kind(step, a.record_id)
    if a.role != EvidenceRole.RECORD and kind != "rectification":
        raise ValidationFailed(
            "before and after are the roles of a rectification item's evidence", field="role"
        )
    await step.link_evidence(a.record_id, a.role, a.item_ids)


@handles(engagement_actions.DetachEvidence)
async def detach_evidence(step: Step, a: engagement_actions.DetachEvidence) -> None:
    await _record_kind(step, a.record_id)
    removed = await evidence_repository.unlink(step.session, a.record_id, a.item_ids)
    missing = [i for i in a.item_ids if i not in removed]
    if missing:
        # Nothing is unlinked unless every item was linked: the caller's view was stale.
        raise ValidationFailed(
            "archive item {item} is not linked to this record",
            field=f"itemIds.{a.item_ids.index(missing[0])}",
            params={"item": str(missing[0])},
        )
    await step.announce_evidence(a.record_id, a.item_ids, None)


async def link_uploaded(session: AsyncSession, event: EventEnvelope) -> None:
    """An item uploaded from a record (`requestEvidenceUpload`) was filed: link it to
    that record. The inbox applies each event once, and linking twice changes nothing,
    so a redelivered event links nothing twice; the link commits with the inbox row,
    so none is lost."""
    assert isinstance(event, ArchiveActionV1)
    record_id = event.data.details.get("evidence_for")
    if event.data.action != ArchiveAction.FILED or not record_id or event.engagement_id is None:
        return
    engagement = await repository.engagement_unscoped(session, event.engagement_id)
    if engagement is None:
        log.warning("evidence.engagement_unknown", engagement_id=str(event.engagement_id))
        return
    await repository.lock_engagement(session, engagement.id)
    record = UUID(record_id)
    rectification = await repository.rectification(session, record)
    service_record = await repository.service_record(session, record)
    owner = rectification or service_record
    if owner is None or owner.engagement_id != engagement.id:
        # The gateway checked the record when the upload was requested; records are never
        # deleted, so this is a forged or corrupted event: say so, link nothing.
        log.warning("evidence.record_unknown", record_id=record_id)
        return
    # A rectification's photo shows the problem while the item is open, the work after.
    role = EvidenceRole.RECORD
    if rectification is not None:
        open_ = rectification.status == RectificationStatus.OPEN
        role = EvidenceRole.BEFORE if open_ else EvidenceRole.AFTER
    ctx = CallContext(actor=event.actor, tenant=event.tenant, correlation_id=event.correlation_id)
    await Step(session, engagement, ctx).link_evidence(record, role, event.data.item_ids)
