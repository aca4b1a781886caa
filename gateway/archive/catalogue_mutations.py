"""Mutations of the archive catalogue: one input each, `Success | typed errors`. casbin
decides the role here; the archive service then re-checks tenant and clearance (a denied
item is ArchiveItemNotFound) before it writes anything or issues any URL."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import Annotated, Any, TypeVar
from uuid import UUID

import strawberry
from strawberry.types import Info

from contracts.archive import rpc_catalogue as c
from contracts.core import DomainError, ValidationFailed
from contracts.engagement.errors import EngagementNotFound as EngagementNotFoundError
from gateway.archive.catalogue_client import CatalogueClient, caller_of
from gateway.archive.catalogue_errors import (
    ArchiveItemNotFound,
    ArchiveRecordNotFound,
    ArchiveStateConflict,
    UploadMismatch,
    UploadRejected,
    archive_error,
)
from gateway.archive.catalogue_types import (
    ArchiveItem,
    ArchiveVolume,
    BorrowRequest,
    Confidentiality,
    Destruction,
    Handover,
    ItemCategory,
    Retention,
)
from gateway.context import Context
from gateway.errors import EngagementNotFound, NotAuthorized, ServiceUnavailable, ValidationError
from gateway.ids import decode_global_id

T = TypeVar("T")

_COMMON = NotAuthorized | ServiceUnavailable | ValidationError


@strawberry.type
class HttpHeader:
    name: str
    value: str


@strawberry.type(
    description="PUT the file's bytes to uploadUrl with these headers, then call completeUpload."
)
class RequestUploadSuccess:
    item: ArchiveItem
    upload_url: str
    method: str
    headers: list[HttpHeader]
    expires_at: datetime


@strawberry.type
class ArchiveItemSuccess:
    item: ArchiveItem


@strawberry.type
class ArchiveVolumeSuccess:
    volume: ArchiveVolume


@strawberry.type
class HandoverSuccess:
    handover: Handover


@strawberry.type
class BorrowRequestSuccess:
    borrow_request: BorrowRequest


@strawberry.type(description="A short-lived URL to GET the file; recorded in the usage register.")
class DownloadUrlSuccess:
    url: str
    expires_at: datetime


@strawberry.type
class DestructionSuccess:
    destruction: Destruction


RequestUploadResult = Annotated[
    RequestUploadSuccess
    | EngagementNotFound
    | UploadRejected
    | ArchiveRecordNotFound
    | ArchiveItemNotFound
    | _COMMON,
    strawberry.union("RequestUploadResult"),
]
RequestItemVersionUploadResult = Annotated[
    RequestUploadSuccess | UploadRejected | ArchiveItemNotFound | ArchiveStateConflict | _COMMON,
    strawberry.union("RequestItemVersionUploadResult"),
]
CompleteUploadResult = Annotated[
    ArchiveItemSuccess | UploadMismatch | ArchiveItemNotFound | ArchiveStateConflict | _COMMON,
    strawberry.union("CompleteUploadResult"),
]
CreateArchiveVolumeResult = Annotated[
    ArchiveVolumeSuccess | EngagementNotFound | ArchiveRecordNotFound | _COMMON,
    strawberry.union("CreateArchiveVolumeResult"),
]
HandOverDeliverablesResult = Annotated[
    HandoverSuccess | ArchiveRecordNotFound | ArchiveItemNotFound | ArchiveStateConflict | _COMMON,
    strawberry.union("HandOverDeliverablesResult"),
]
AcknowledgeHandoverResult = Annotated[
    HandoverSuccess | ArchiveRecordNotFound | ArchiveStateConflict | _COMMON,
    strawberry.union("AcknowledgeHandoverResult"),
]
RequestBorrowResult = Annotated[
    BorrowRequestSuccess | ArchiveItemNotFound | ArchiveStateConflict | _COMMON,
    strawberry.union("RequestBorrowResult"),
]
DecideBorrowResult = Annotated[
    BorrowRequestSuccess | ArchiveRecordNotFound | ArchiveStateConflict | _COMMON,
    strawberry.union("DecideBorrowResult"),
]
IssueDownloadUrlResult = Annotated[
    DownloadUrlSuccess | ArchiveItemNotFound | ArchiveStateConflict | _COMMON,
    strawberry.union("IssueDownloadUrlResult"),
]
RequestDestructionResult = Annotated[
    DestructionSuccess | ArchiveItemNotFound | ArchiveStateConflict | _COMMON,
    strawberry.union("RequestDestructionResult"),
]
ApproveDestructionResult = Annotated[
    DestructionSuccess | ArchiveRecordNotFound | ArchiveStateConflict | _COMMON,
    strawberry.union("ApproveDestructionResult"),
]
ChangeConfidentialityResult = Annotated[
    ArchiveItemSuccess | ArchiveItemNotFound | ArchiveStateConflict | _COMMON,
    strawberry.union("ChangeConfidentialityResult"),
]


@strawberry.input
class MetadataInput:
    name: str
    value: str


@strawberry.input(description="Declare a deliverable; the bytes go straight to storage.")
class RequestUploadInput:
    engagement_id: strawberry.ID
    category: ItemCategory  # type: ignore[valid-type]
    title: str
    filename: str
    content_type: str
    size: int
    sha256: str = strawberry.field(description="Hex SHA-256 of the file; checked on completion.")
    confidentiality: Confidentiality
    retention: Retention  # type: ignore[valid-type]
    document_date: date = strawberry.field(description="形成日期: retention counts from it.")
    volume_id: strawberry.ID | None = None
    metadata: list[MetadataInput] = strawberry.field(default_factory=list)


@strawberry.input(
    description="A new version of a filed item. Engagement, volume, category, 密级 and "
    "retention are the series'; title and document date default to the latest version's."
)
class RequestItemVersionUploadInput:
    item_id: strawberry.ID = strawberry.field(description="Any filed version of the item.")
    filename: str
    content_type: str
    size: int
    sha256: str = strawberry.field(description="Hex SHA-256 of the file; checked on completion.")
    document_date: date | None = strawberry.field(
        default=None, description="形成日期 of this version; default: the latest version's."
    )
    title: str | None = strawberry.field(
        default=None, description="Default: the latest version's title."
    )


@strawberry.input
class CompleteUploadInput:
    item_id: strawberry.ID


@strawberry.input
class CreateArchiveVolumeInput:
    engagement_id: strawberry.ID
    title: str
    retention: Retention  # type: ignore[valid-type]


@strawberry.input(description="Hand these filed items over to the engagement's unit.")
class HandOverDeliverablesInput:
    engagement_id: strawberry.ID
    item_ids: list[strawberry.ID]


@strawberry.input
class AcknowledgeHandoverInput:
    handover_id: strawberry.ID
    representative: str = strawberry.field(description="Name of the unit's representative.")


@strawberry.input
class RequestBorrowInput:
    item_id: strawberry.ID
    purpose: str
    copy_requested: bool = False
    days: int = 7


@strawberry.input
class DecideBorrowInput:
    borrow_request_id: strawberry.ID
    approve: bool
    approve_copy: bool = False
    note: str = ""


@strawberry.input
class IssueDownloadUrlInput:
    item_id: strawberry.ID


@strawberry.input
class RequestDestructionInput:
    item_id: strawberry.ID
    appraisal: str


@strawberry.input
class ApproveDestructionInput:
    destruction_id: strawberry.ID
    witnesses: list[str] = strawberry.field(description="Exactly two 监销人, not yourself.")


@strawberry.input
class ChangeConfidentialityInput:
    item_id: strawberry.ID
    confidentiality: Confidentiality
    reason: str


def _contract(build: Callable[[], T]) -> T:
    try:
        return build()
    except ValueError as exc:
        raise ValidationFailed(str(exc).splitlines()[-1], field="input") from None


async def _run(
    info: Info[Context, None],
    obj: str,
    act: str,
    call: Callable[[CatalogueClient, c.Caller], Awaitable[T]],
    wrap: Callable[[T], Any],
) -> Any:
    ctx = info.context
    try:
        if not ctx.authorizer.can(obj, act):
            raise ctx.denied()
        return wrap(await call(CatalogueClient(ctx.services), caller_of(ctx)))
    except DomainError as exc:
        return archive_error(exc, ctx.request_id)


def _item(value: strawberry.ID, field: str = "itemId") -> UUID:
    return decode_global_id(value, "ArchiveItem", field=field)


async def _engagement(info: Info[Context, None], value: strawberry.ID) -> Any:
    """The engagement as the caller may see it; its owners travel to the archive."""
    uuid = decode_global_id(value, "Engagement", field="engagementId")
    view = await info.context.loaders.engagements.load(uuid)
    if view is None:
        raise EngagementNotFoundError("no such engagement", field="engagement_id")
    return view


def _upload_success(t: c.UploadTicket) -> RequestUploadSuccess:
    return RequestUploadSuccess(
        item=ArchiveItem.from_view(t.item),
        upload_url=t.url,
        method=t.method,
        headers=[HttpHeader(name=k, value=v) for k, v in t.headers.items()],
        expires_at=t.expires_at,
    )


def _item_success(view: c.ItemView) -> ArchiveItemSuccess:
    return ArchiveItemSuccess(item=ArchiveItem.from_view(view))


def _handover_success(view: c.HandoverView) -> HandoverSuccess:
    return HandoverSuccess(handover=Handover.from_view(view))


def _borrow_success(view: c.BorrowView) -> BorrowRequestSuccess:
    return BorrowRequestSuccess(borrow_request=BorrowRequest.from_view(view))


def _destruction_success(view: c.DestructionView) -> DestructionSuccess:
    return DestructionSuccess(destruction=Destruction.from_view(view))


@strawberry.type
class CatalogueMutations:
    @strawberry.mutation(
        description="Declare a deliverable and get a short-lived URL to PUT it "
        "to (project managers)."
    )
    async def request_upload(
        self, info: Info[Context, None], input: RequestUploadInput
    ) -> RequestUploadResult:
        async def call(client: CatalogueClient, caller: c.Caller) -> c.UploadTicket:
            engagement = await _engagement(info, input.engagement_id)
            volume = input.volume_id
            req = _contract(
                lambda: c.RequestUploadRequest(
                    caller=caller,
                    engagement_id=engagement.id,
                    agency_id=engagement.agency_id,
                    unit_id=engagement.unit_id,
                    volume_id=decode_global_id(volume, "ArchiveVolume", field="volumeId")
                    if volume
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
                )
            )
            return await client.request_upload(req)

        return await _run(info, "archive_item", "upload", call, _upload_success)  # type: ignore[no-any-return]

    @strawberry.mutation(
        description="Declare a new version of a filed item and get a short-lived URL to PUT "
        "it to, then call completeUpload (project managers). One upload at a time per item."
    )
    async def request_item_version_upload(
        self, info: Info[Context, None], input: RequestItemVersionUploadInput
    ) -> RequestItemVersionUploadResult:
        async def call(client: CatalogueClient, caller: c.Caller) -> c.UploadTicket:
            item = _item(input.item_id)
            req = _contract(
                lambda: c.RequestVersionUploadRequest(
                    caller=caller,
                    item_id=item,
                    filename=input.filename,
                    content_type=input.content_type,
                    size=input.size,
                    sha256=input.sha256,
                    title=input.title,
                    document_date=input.document_date,
                )
            )
            return await client.request_version_upload(req)

        return await _run(info, "archive_item", "upload", call, _upload_success)  # type: ignore[no-any-return]

    @strawberry.mutation(
        description="Check the uploaded bytes (size, type, SHA-256) and file the item."
    )
    async def complete_upload(
        self, info: Info[Context, None], input: CompleteUploadInput
    ) -> CompleteUploadResult:
        async def call(client: CatalogueClient, caller: c.Caller) -> c.ItemView:
            req = c.ItemRequest(caller=caller, item_id=_item(input.item_id))
            return await client.complete_upload(req)

        return await _run(info, "archive_item", "upload", call, _item_success)  # type: ignore[no-any-return]

    @strawberry.mutation(description="Open a volume (案卷) in an engagement's archive.")
    async def create_archive_volume(
        self, info: Info[Context, None], input: CreateArchiveVolumeInput
    ) -> CreateArchiveVolumeResult:
        async def call(client: CatalogueClient, caller: c.Caller) -> c.VolumeView:
            engagement = await _engagement(info, input.engagement_id)
            req = _contract(
                lambda: c.CreateVolumeRequest(
                    caller=caller,
                    engagement_id=engagement.id,
                    agency_id=engagement.agency_id,
                    unit_id=engagement.unit_id,
                    title=input.title,
                    retention=input.retention,
                )
            )
            return await client.create_volume(req)

        def wrap(v: c.VolumeView) -> ArchiveVolumeSuccess:
            return ArchiveVolumeSuccess(volume=ArchiveVolume.from_view(v))

        return await _run(info, "archive_item", "upload", call, wrap)  # type: ignore[no-any-return]

    @strawberry.mutation(
        description="移交: hand filed items to the unit, sealed by a new signed "
        "ledger checkpoint (project managers)."
    )
    async def hand_over_deliverables(
        self, info: Info[Context, None], input: HandOverDeliverablesInput
    ) -> HandOverDeliverablesResult:
        async def call(client: CatalogueClient, caller: c.Caller) -> c.HandoverView:
            engagement = decode_global_id(input.engagement_id, "Engagement", field="engagementId")
            ids = [_item(i, f"itemIds.{n}") for n, i in enumerate(input.item_ids)]
            req = _contract(
                lambda: c.HandOverRequest(caller=caller, engagement_id=engagement, item_ids=ids)
            )
            return await client.hand_over(req)

        return await _run(info, "handover", "create", call, _handover_success)  # type: ignore[no-any-return]

    @strawberry.mutation(description="The unit acknowledges receipt of a handover (client admins).")
    async def acknowledge_handover(
        self, info: Info[Context, None], input: AcknowledgeHandoverInput
    ) -> AcknowledgeHandoverResult:
        async def call(client: CatalogueClient, caller: c.Caller) -> c.HandoverView:
            handover = decode_global_id(input.handover_id, "Handover", field="handoverId")
            req = _contract(
                lambda: c.AcknowledgeHandoverRequest(
                    caller=caller, handover_id=handover, representative=input.representative
                )
            )
            return await client.acknowledge(req)

        return await _run(info, "handover", "acknowledge", call, _handover_success)  # type: ignore[no-any-return]

    @strawberry.mutation(description="借阅: ask the archive keeper for a time-limited grant.")
    async def request_borrow(
        self, info: Info[Context, None], input: RequestBorrowInput
    ) -> RequestBorrowResult:
        async def call(client: CatalogueClient, caller: c.Caller) -> c.BorrowView:
            item = _item(input.item_id)
            req = _contract(
                lambda: c.RequestBorrowRequest(
                    caller=caller,
                    item_id=item,
                    purpose=input.purpose,
                    copy_requested=input.copy_requested,
                    days=input.days,
                )
            )
            return await client.request_borrow(req)

        return await _run(info, "archive_item", "borrow", call, _borrow_success)  # type: ignore[no-any-return]

    @strawberry.mutation(description="Approve or reject a borrow request (archive keepers).")
    async def decide_borrow(
        self, info: Info[Context, None], input: DecideBorrowInput
    ) -> DecideBorrowResult:
        async def call(client: CatalogueClient, caller: c.Caller) -> c.BorrowView:
            borrow = decode_global_id(
                input.borrow_request_id, "BorrowRequest", field="borrowRequestId"
            )
            req = _contract(
                lambda: c.DecideBorrowRequest(
                    caller=caller,
                    borrow_id=borrow,
                    approve=input.approve,
                    approve_copy=input.approve_copy,
                    note=input.note,
                )
            )
            return await client.decide_borrow(req)

        return await _run(info, "archive_item", "decide_borrow", call, _borrow_success)  # type: ignore[no-any-return]

    @strawberry.mutation(
        description="A short-lived download URL, after the archive's own check "
        "of tenant and 密级; without the download role, under a current grant."
    )
    async def issue_download_url(
        self, info: Info[Context, None], input: IssueDownloadUrlInput
    ) -> IssueDownloadUrlResult:
        ctx = info.context
        direct = ctx.authorizer.can("archive_item", "download")

        async def call(client: CatalogueClient, caller: c.Caller) -> c.DownloadView:
            req = c.IssueDownloadRequest(caller=caller, item_id=_item(input.item_id), direct=direct)
            return await client.download(req)

        def wrap(v: c.DownloadView) -> DownloadUrlSuccess:
            return DownloadUrlSuccess(url=v.url, expires_at=v.expires_at)

        # Borrowers without the download role still pass: the service demands their grant.
        act = "download" if direct else "borrow"
        return await _run(info, "archive_item", act, call, wrap)  # type: ignore[no-any-return]

    @strawberry.mutation(description="鉴定: propose destroying an item whose retention is over.")
    async def request_destruction(
        self, info: Info[Context, None], input: RequestDestructionInput
    ) -> RequestDestructionResult:
        async def call(client: CatalogueClient, caller: c.Caller) -> c.DestructionView:
            item = _item(input.item_id)
            req = _contract(
                lambda: c.RequestDestructionRequest(
                    caller=caller, item_id=item, appraisal=input.appraisal
                )
            )
            return await client.request_destruction(req)

        return await _run(info, "archive_item", "appraise", call, _destruction_success)  # type: ignore[no-any-return]

    @strawberry.mutation(
        description="Approve and execute a destruction with two witnesses "
        "(archive keepers); a tombstone stays."
    )
    async def approve_destruction(
        self, info: Info[Context, None], input: ApproveDestructionInput
    ) -> ApproveDestructionResult:
        async def call(client: CatalogueClient, caller: c.Caller) -> c.DestructionView:
            destruction = decode_global_id(
                input.destruction_id, "Destruction", field="destructionId"
            )
            req = _contract(
                lambda: c.ApproveDestructionRequest(
                    caller=caller, destruction_id=destruction, witnesses=list(input.witnesses)
                )
            )
            return await client.approve_destruction(req)

        return await _run(info, "archive_item", "destroy", call, _destruction_success)  # type: ignore[no-any-return]

    @strawberry.mutation(
        description="Change an item's 密级; lowering needs the archive keeper. "
        "Logged in the ledger."
    )
    async def change_confidentiality(
        self, info: Info[Context, None], input: ChangeConfidentialityInput
    ) -> ChangeConfidentialityResult:
        may_lower = info.context.authorizer.can("archive_item", "lower_level")

        async def call(client: CatalogueClient, caller: c.Caller) -> c.ItemView:
            item = _item(input.item_id)
            req = _contract(
                lambda: c.ChangeLevelRequest(
                    caller=caller,
                    item_id=item,
                    level=input.confidentiality.value,
                    reason=input.reason,
                    may_lower=may_lower,
                )
            )
            return await client.change_level(req)

        return await _run(info, "archive_item", "change_level", call, _item_success)  # type: ignore[no-any-return]
