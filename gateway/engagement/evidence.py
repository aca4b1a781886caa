"""Evidence on records (证明材料): link filed archive items of the engagement to a
service record or a rectification item, unlink them, or upload a file from the record
itself. The archive checks the items first (gateway/engagement/evidence_check.py); the
engagement service links them under the engagement's lock.

An upload from a record (`requestEvidenceUpload`) is the usual request → PUT →
`completeUpload`: the archive keeps the record with the pending item, names it in the
item's `filed` event, and the engagement service links the item when that event arrives
(once, through its inbox). Nothing is linked before the bytes check out, and a filed
item is never left unlinked: the event commits with the filing."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import strawberry
from strawberry.types import Info

from contracts.archive import rpc_catalogue as archive_rpc_catalogue
from contracts.core import ValidationFailed
from contracts.engagement import actions as engagement_actions
from contracts.engagement.enums import EvidenceRole
from contracts.engagement.errors import EngagementNotFound as EngagementNotFoundError
from contracts.engagement.errors import RecordNotFound as RecordNotFoundError
from gateway.archive.access import caller_of
from gateway.archive.catalogue_inputs import RequestUploadInput
from gateway.archive.catalogue_mutations import _upload_success
from gateway.archive.catalogue_results import RequestUploadSuccess
from gateway.archive.errors import (
    ArchiveItemNotFound,
    ArchiveRecordNotFound,
    EvidenceNotFiled,
    EvidenceNotFound,
    EvidenceOtherEngagement,
    UploadRejected,
)
from gateway.context import Context, scope_of
from gateway.engagement.errors import EngagementNotFound, RecordNotFound, WorkflowConflict
from gateway.engagement.evidence_check import checked_items
from gateway.engagement.types import Engagement
from gateway.engagement.workflow_mutations import FIELD_WORK, WorkflowStepSuccess
from gateway.errors import CommonErrors
from gateway.ids import decode_global_id
from gateway.mutation import ResultUnion, run_mutation

# Who uploads to the archive (requestUpload, completeUpload): the project managers, from
# a record as from the catalogue; the engineers link what is filed (attachEvidence).
ARCHIVE_UPLOAD = ("archive_item", "upload")


@strawberry.input(description="Archive items to link to a record as its evidence.")
class AttachEvidenceInput:
    engagement_id: strawberry.ID
    record_id: strawberry.ID = strawberry.field(
        description="A service record's or a rectification item's id."
    )
    item_ids: list[strawberry.ID] = strawberry.field(
        description="ArchiveItem ids: filed items of this engagement you may see."
    )
    role: EvidenceRole = strawberry.field(
        default=EvidenceRole.RECORD,
        description="BEFORE or AFTER only for a rectification item (整改前/整改后).",
    )


@strawberry.input(description="Archive items to unlink from a record (they stay archived).")
class DetachEvidenceInput:
    engagement_id: strawberry.ID
    record_id: strawberry.ID
    item_ids: list[strawberry.ID]


@strawberry.input(
    description="An upload declared from a record: once completeUpload files it, the item "
    "is linked to the record as its evidence (a rectification item's: before while it is "
    "open, after once reported rectified)."
)
class RequestEvidenceUploadInput(RequestUploadInput):
    record_id: strawberry.ID = strawberry.field(
        description="A service record's or a rectification item's id."
    )


EvidenceStepResult = Annotated[
    WorkflowStepSuccess
    | EngagementNotFound
    | RecordNotFound
    | WorkflowConflict
    | EvidenceNotFound
    | EvidenceNotFiled
    | EvidenceOtherEngagement
    | CommonErrors,
    strawberry.union("EvidenceStepResult"),
]
EVIDENCE_STEP: ResultUnion[EvidenceStepResult] = ResultUnion(EvidenceStepResult)

RequestEvidenceUploadResult = Annotated[
    RequestUploadSuccess
    | EngagementNotFound
    | RecordNotFound
    | UploadRejected
    | ArchiveRecordNotFound
    | ArchiveItemNotFound
    | CommonErrors,
    strawberry.union("RequestEvidenceUploadResult"),
]
REQUEST_EVIDENCE_UPLOAD: ResultUnion[RequestEvidenceUploadResult] = ResultUnion(
    RequestEvidenceUploadResult
)


def _uuid(value: str, field: str) -> UUID:
    try:
        return UUID(str(value))
    except ValueError:
        raise ValidationFailed("not an id", field=field) from None


async def attach_evidence(
    info: Info[Context, None], input: AttachEvidenceInput
) -> EvidenceStepResult:
    ctx = info.context

    async def request() -> engagement_actions.ActRequest:
        engagement = decode_global_id(input.engagement_id, "Engagement", field="engagementId")
        record = _uuid(input.record_id, "recordId")
        items = await checked_items(ctx, engagement, input.item_ids, "itemIds")
        return engagement_actions.ActRequest(
            engagement_id=engagement,
            scope=scope_of(ctx.authorizer),
            action=engagement_actions.AttachEvidence(
                record_id=record, item_ids=items, role=input.role
            ),
        )

    return await run_mutation(
        info,
        EVIDENCE_STEP,
        FIELD_WORK,
        request=request,
        send=ctx.clients.engagement.act,
        success=lambda view: WorkflowStepSuccess(engagement=Engagement.from_view(view)),
    )


async def detach_evidence(
    info: Info[Context, None], input: DetachEvidenceInput
) -> EvidenceStepResult:
    ctx = info.context

    def request() -> engagement_actions.ActRequest:
        engagement = decode_global_id(input.engagement_id, "Engagement", field="engagementId")
        items = [
            decode_global_id(item, "ArchiveItem", field=f"itemIds.{n}")
            for n, item in enumerate(input.item_ids)
        ]
        return engagement_actions.ActRequest(
            engagement_id=engagement,
            scope=scope_of(ctx.authorizer),
            action=engagement_actions.DetachEvidence(
                record_id=_uuid(input.record_id, "recordId"), item_ids=items
            ),
        )

    return await run_mutation(
        info,
        EVIDENCE_STEP,
        FIELD_WORK,
        request=request,
        send=ctx.clients.engagement.act,
        success=lambda view: WorkflowStepSuccess(engagement=Engagement.from_view(view)),
    )


async def request_evidence_upload(
    info: Info[Context, None], input: RequestEvidenceUploadInput
) -> RequestEvidenceUploadResult:
    ctx = info.context

    async def request() -> archive_rpc_catalogue.RequestUploadRequest:
        engagement_id = decode_global_id(input.engagement_id, "Engagement", field="engagementId")
        record = _uuid(input.record_id, "recordId")
        engagement = await ctx.loaders.engagements.load(engagement_id)
        workflow = await ctx.loaders.workflows.load(engagement_id)
        if engagement is None or workflow is None:
            raise EngagementNotFoundError("no such engagement", field="engagement_id")
        records = {r.id for r in workflow.records} | {r.id for r in workflow.rectifications}
        if record not in records:
            raise RecordNotFoundError("no such record in this engagement", field="record_id")
        return archive_rpc_catalogue.RequestUploadRequest(
            caller=caller_of(ctx),
            engagement_id=engagement.id,
            agency_id=engagement.agency_id,
            unit_id=engagement.unit_id,
            volume_id=decode_global_id(input.volume_id, "ArchiveVolume", field="volumeId")
            if input.volume_id
            else None,
            category=input.category,
            title=input.title,
            filename=input.filename,
            content_type=input.content_type,
            size=input.size,
            sha256=input.sha256,
            level=input.confidentiality.value,
            retention=input.retention,
            document_date=input.document_date,
            metadata={m.name: m.value for m in input.metadata},
            evidence_for=record,
        )

    return await run_mutation(
        info,
        REQUEST_EVIDENCE_UPLOAD,
        ARCHIVE_UPLOAD,
        request=request,
        send=ctx.clients.archive.request_upload,
        success=_upload_success,
    )


@strawberry.type
class EvidenceMutations:
    attach_evidence = strawberry.mutation(
        resolver=attach_evidence,
        description="Link filed archive items of the engagement to a record (inspection, "
        "training, emergency, rectification item, …) as its evidence; linking an item "
        "twice changes nothing.",
    )
    detach_evidence = strawberry.mutation(
        resolver=detach_evidence,
        description="Unlink archive items from a record; every one must be linked.",
    )
    request_evidence_upload = strawberry.mutation(
        resolver=request_evidence_upload,
        description="Upload a file from a record: PUT it to the URL, then completeUpload; "
        "the filed item is then linked to the record as its evidence.",
    )
