"""Mutations of the archive catalogue: one input each, `Success | typed errors`. casbin
decides the role here; the archive service then re-checks tenant and clearance (a denied
item is ArchiveItemNotFound) before it writes anything or issues any URL."""

from __future__ import annotations

from uuid import UUID

import strawberry
from strawberry.types import Info

from contracts.archive import handover as archive_handover
from contracts.archive import rpc_catalogue as archive_rpc_catalogue
from contracts.engagement import rpc
from contracts.engagement.errors import EngagementNotFound as EngagementNotFoundError
from gateway.archive import catalogue_inputs as catalogue_inputs
from gateway.archive import catalogue_results as catalogue_results
from gateway.archive.access import caller_of
from gateway.archive.catalogue_types import (
    ArchiveItem,
    ArchiveVolume,
    BorrowRequest,
    Destruction,
    Handover,
)
from gateway.context import Context
from gateway.ids import decode_global_id
from gateway.mutation import run_mutation


def _item(value: strawberry.ID, field: str = "itemId") -> UUID:
    return decode_global_id(value, "ArchiveItem", field=field)


async def _engagement(info: Info[Context, None], value: strawberry.ID) -> rpc.EngagementView:
    """The engagement as the caller may see it; its owners travel to the archive."""
    uuid = decode_global_id(value, "Engagement", field="engagementId")
    view = await info.context.loaders.engagements.load(uuid)
    if view is None:
        raise EngagementNotFoundError("no such engagement", field="engagement_id")
    return view


def _upload_success(
    t: archive_rpc_catalogue.UploadTicket,
) -> catalogue_results.RequestUploadSuccess:
    return catalogue_results.RequestUploadSuccess(
        item=ArchiveItem.from_view(t.item),
        upload_url=t.url,
        method=t.method,
        headers=[catalogue_results.HttpHeader(name=k, value=v) for k, v in t.headers.items()],
        expires_at=t.expires_at,
    )


def _item_success(view: archive_rpc_catalogue.ItemView) -> catalogue_results.ArchiveItemSuccess:
    return catalogue_results.ArchiveItemSuccess(item=ArchiveItem.from_view(view))


def _handover_success(
    view: archive_rpc_catalogue.HandoverView,
) -> catalogue_results.HandoverSuccess:
    return catalogue_results.HandoverSuccess(handover=Handover.from_view(view))


def _borrow_success(
    view: archive_rpc_catalogue.BorrowView,
) -> catalogue_results.BorrowRequestSuccess:
    return catalogue_results.BorrowRequestSuccess(borrow_request=BorrowRequest.from_view(view))


def _destruction_success(
    view: archive_rpc_catalogue.DestructionView,
) -> catalogue_results.DestructionSuccess:
    return catalogue_results.DestructionSuccess(destruction=Destruction.from_view(view))


@strawberry.type
class CatalogueMutations:
    @strawberry.mutation(
        description="Declare a deliverable and get a short-lived URL to PUT it "
        "to (project managers)."
    )
    async def request_upload(
        self, info: Info[Context, None], input: catalogue_inputs.RequestUploadInput
    ) -> catalogue_results.RequestUploadResult:
        ctx = info.context

        async def request() -> archive_rpc_catalogue.RequestUploadRequest:
            engagement = await _engagement(info, input.engagement_id)
            volume = input.volume_id
            return archive_rpc_catalogue.RequestUploadRequest.from_row(
                input,
                caller=caller_of(ctx),
                engagement_id=engagement.id,
                agency_id=engagement.agency_id,
                unit_id=engagement.unit_id,
                volume_id=decode_global_id(volume, "ArchiveVolume", field="volumeId")
                if volume
                else None,
                level=input.confidentiality.value,
                metadata={m.name: m.value for m in input.metadata},
                evidence_for=None,  # a plain upload; requestEvidenceUpload names a record
            )

        return await run_mutation(
            info,
            catalogue_results.REQUEST_UPLOAD,
            ("archive_item", "upload"),
            request=request,
            send=ctx.clients.archive.request_upload,
            success=_upload_success,
        )

    @strawberry.mutation(
        description="Declare a new version of a filed item and get a short-lived URL to PUT "
        "it to, then call completeUpload (project managers). One upload at a time per item."
    )
    async def request_item_version_upload(
        self, info: Info[Context, None], input: catalogue_inputs.RequestItemVersionUploadInput
    ) -> catalogue_results.RequestItemVersionUploadResult:
        ctx = info.context
        return await run_mutation(
            info,
            catalogue_results.REQUEST_ITEM_VERSION_UPLOAD,
            ("archive_item", "upload"),
            request=lambda: archive_rpc_catalogue.RequestVersionUploadRequest.from_row(
                input, caller=caller_of(ctx), item_id=_item(input.item_id)
            ),
            send=ctx.clients.archive.request_version_upload,
            success=_upload_success,
        )

    @strawberry.mutation(
        description="Check the uploaded bytes (size, type, SHA-256) and file the item."
    )
    async def complete_upload(
        self, info: Info[Context, None], input: catalogue_inputs.CompleteUploadInput
    ) -> catalogue_results.CompleteUploadResult:
        ctx = info.context
        return await run_mutation(
            info,
            catalogue_results.COMPLETE_UPLOAD,
            ("archive_item", "upload"),
            request=lambda: archive_rpc_catalogue.ItemRequest(
                caller=caller_of(ctx), item_id=_item(input.item_id)
            ),
            send=ctx.clients.archive.complete_upload,
            success=_item_success,
        )

    @strawberry.mutation(description="Open a volume (案卷) in an engagement's archive.")
    async def create_archive_volume(
        self, info: Info[Context, None], input: catalogue_inputs.CreateArchiveVolumeInput
    ) -> catalogue_results.CreateArchiveVolumeResult:
        ctx = info.context

        async def request() -> archive_rpc_catalogue.CreateVolumeRequest:
            engagement = await _engagement(info, input.engagement_id)
            return archive_rpc_catalogue.CreateVolumeRequest(
                caller=caller_of(ctx),
                engagement_id=engagement.id,
                agency_id=engagement.agency_id,
                unit_id=engagement.unit_id,
                title=input.title,
                retention=input.retention,
            )

        return await run_mutation(
            info,
            catalogue_results.CREATE_ARCHIVE_VOLUME,
            ("archive_item", "upload"),
            request=request,
            send=ctx.clients.archive.create_volume,
            success=lambda v: catalogue_results.ArchiveVolumeSuccess(
                volume=ArchiveVolume.from_view(v)
            ),
        )

    @strawberry.mutation(
        description="移交包: a signed, expiring URL of the handover package (a ZIP with "
        "every handed-over file, its manifest, the signed checkpoints, the ledger proofs and "
        "the standalone verifier). Only for a party to the handover who may see every item."
    )
    async def issue_handover_package_url(
        self, info: Info[Context, None], input: catalogue_inputs.IssueHandoverPackageUrlInput
    ) -> catalogue_results.IssueHandoverPackageUrlResult:
        ctx = info.context
        return await run_mutation(
            info,
            catalogue_results.ISSUE_HANDOVER_PACKAGE_URL,
            ("handover", "download"),
            request=lambda: archive_handover.HandoverPackageRequest(
                caller=caller_of(ctx),
                handover_id=decode_global_id(input.handover_id, "Handover", field="handoverId"),
            ),
            send=ctx.clients.archive.handover_package,
            success=lambda view: catalogue_results.HandoverPackageSuccess(
                url=view.url,
                expires_at=view.expires_at,
                sha256=view.sha256,
                size=view.size,
                filename=view.filename,
            ),
        )

    @strawberry.mutation(description="The unit acknowledges receipt of a handover (client admins).")
    async def acknowledge_handover(
        self, info: Info[Context, None], input: catalogue_inputs.AcknowledgeHandoverInput
    ) -> catalogue_results.AcknowledgeHandoverResult:
        ctx = info.context
        return await run_mutation(
            info,
            catalogue_results.ACKNOWLEDGE_HANDOVER,
            ("handover", "acknowledge"),
            request=lambda: archive_rpc_catalogue.AcknowledgeHandoverRequest(
                caller=caller_of(ctx),
                handover_id=decode_global_id(input.handover_id, "Handover", field="handoverId"),
                representative=input.representative,
            ),
            send=ctx.clients.archive.acknowledge,
            success=_handover_success,
        )

    @strawberry.mutation(description="借阅: ask the archive keeper for a time-limited grant.")
    async def request_borrow(
        self, info: Info[Context, None], input: catalogue_inputs.RequestBorrowInput
    ) -> catalogue_results.RequestBorrowResult:
        ctx = info.context
        return await run_mutation(
            info,
            catalogue_results.REQUEST_BORROW,
            ("archive_item", "borrow"),
            request=lambda: archive_rpc_catalogue.RequestBorrowRequest(
                caller=caller_of(ctx),
                item_id=_item(input.item_id),
                purpose=input.purpose,
                copy_requested=input.copy_requested,
                days=input.days,
            ),
            send=ctx.clients.archive.request_borrow,
            success=_borrow_success,
        )

    @strawberry.mutation(description="Approve or reject a borrow request (archive keepers).")
    async def decide_borrow(
        self, info: Info[Context, None], input: catalogue_inputs.DecideBorrowInput
    ) -> catalogue_results.DecideBorrowResult:
        ctx = info.context
        return await run_mutation(
            info,
            catalogue_results.DECIDE_BORROW,
            ("archive_item", "decide_borrow"),
            request=lambda: archive_rpc_catalogue.DecideBorrowRequest(
                caller=caller_of(ctx),
                borrow_id=decode_global_id(
                    input.borrow_request_id, "BorrowRequest", field="borrowRequestId"
                ),
                approve=input.approve,
                approve_copy=input.approve_copy,
                note=input.note,
            ),
            send=ctx.clients.archive.decide_borrow,
            success=_borrow_success,
        )

    @strawberry.mutation(
        description="A short-lived download URL, after the archive's own check "
        "of tenant and 密级; without the download role, under a current grant."
    )
    async def issue_download_url(
        self, info: Info[Context, None], input: catalogue_inputs.IssueDownloadUrlInput
    ) -> catalogue_results.IssueDownloadUrlResult:
        ctx = info.context
        direct = ctx.authorizer.can("archive_item", "download")
        # Borrowers without the download role still pass: the service demands their grant.
        return await run_mutation(
            info,
            catalogue_results.ISSUE_DOWNLOAD_URL,
            ("archive_item", "download" if direct else "borrow"),
            request=lambda: archive_rpc_catalogue.IssueDownloadRequest(
                caller=caller_of(ctx), item_id=_item(input.item_id), direct=direct
            ),
            send=ctx.clients.archive.download,
            success=lambda v: catalogue_results.DownloadUrlSuccess(
                url=v.url, expires_at=v.expires_at
            ),
        )

    @strawberry.mutation(description="鉴定: propose destroying an item whose retention is over.")
    async def request_destruction(
        self, info: Info[Context, None], input: catalogue_inputs.RequestDestructionInput
    ) -> catalogue_results.RequestDestructionResult:
        ctx = info.context
        return await run_mutation(
            info,
            catalogue_results.REQUEST_DESTRUCTION,
            ("archive_item", "appraise"),
            request=lambda: archive_rpc_catalogue.RequestDestructionRequest(
                caller=caller_of(ctx), item_id=_item(input.item_id), appraisal=input.appraisal
            ),
            send=ctx.clients.archive.request_destruction,
            success=_destruction_success,
        )

    @strawberry.mutation(
        description="Approve and execute a destruction with two witnesses "
        "(archive keepers); a tombstone stays."
    )
    async def approve_destruction(
        self, info: Info[Context, None], input: catalogue_inputs.ApproveDestructionInput
    ) -> catalogue_results.ApproveDestructionResult:
        ctx = info.context
        return await run_mutation(
            info,
            catalogue_results.APPROVE_DESTRUCTION,
            ("archive_item", "destroy"),
            request=lambda: archive_rpc_catalogue.ApproveDestructionRequest(
                caller=caller_of(ctx),
                destruction_id=decode_global_id(
                    input.destruction_id, "Destruction", field="destructionId"
                ),
                witnesses=list(input.witnesses),
            ),
            send=ctx.clients.archive.approve_destruction,
            success=_destruction_success,
        )

    @strawberry.mutation(
        description="Change an item's 密级; lowering needs the archive keeper. "
        "Logged in the ledger."
    )
    async def change_confidentiality(
        self, info: Info[Context, None], input: catalogue_inputs.ChangeConfidentialityInput
    ) -> catalogue_results.ChangeConfidentialityResult:
        ctx = info.context
        return await run_mutation(
            info,
            catalogue_results.CHANGE_CONFIDENTIALITY,
            ("archive_item", "change_level"),
            request=lambda: archive_rpc_catalogue.ChangeLevelRequest(
                caller=caller_of(ctx),
                item_id=_item(input.item_id),
                level=input.confidentiality.value,
                reason=input.reason,
                may_lower=ctx.authorizer.can("archive_item", "lower_level"),
            ),
            send=ctx.clients.archive.change_level,
            success=_item_success,
        )
