"""Request/reply contracts of the archive catalogue (档案): deliverables, volumes (案卷),
handover (移交), borrowing (借阅), destruction (销毁) and confidentiality (密级).

Every request that reads or changes an item carries the caller's `Scope` and clearance,
computed by the gateway: the archive checks them again itself (defence in depth).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import Field, field_validator

from contracts.archive.enums import BorrowStatus, ItemCategory, ItemStatus, Retention
from contracts.core import Contract, Page, Rpc, Scope

SHA256_HEX = r"^[0-9a-f]{64}$"


class Caller(Contract):
    """Who asks, as the gateway's authorizer computed it."""

    scope: Scope
    clearance: int = Field(ge=0, le=3, description="kit.auth.Level of the caller.")


class ItemView(Contract):
    """An archive item; every version of one deliverable (版本) shares the `series_id`
    of its first version."""

    id: UUID
    engagement_id: UUID
    agency_id: UUID
    unit_id: UUID
    volume_id: UUID | None
    category: ItemCategory
    title: str
    filename: str
    content_type: str
    size: int
    sha256: str
    version: int
    level: int
    retention: Retention
    document_date: date
    retention_ends: date | None
    metadata: dict[str, str]
    status: ItemStatus
    handed_over: bool
    source_event_id: UUID | None
    created_by: str
    created_at: datetime
    filed_at: datetime | None
    destroyed_at: datetime | None
    series_id: UUID


class RequestUploadRequest(Contract):
    caller: Caller
    engagement_id: UUID
    agency_id: UUID = Field(description="From the gateway's scoped engagement.")
    unit_id: UUID
    volume_id: UUID | None = None
    category: ItemCategory
    title: str = Field(min_length=1, max_length=300)
    filename: str = Field(min_length=1, max_length=255, description="Shown only; never a path.")
    content_type: str = Field(min_length=3, max_length=100)
    size: int = Field(gt=0)
    sha256: str = Field(pattern=SHA256_HEX)
    level: int = Field(ge=0, le=3)
    retention: Retention
    document_date: date = Field(description="形成日期; retention counts from the next 1 January.")
    metadata: dict[str, str] = Field(default_factory=dict, max_length=20)
    evidence_for: UUID | None = Field(
        default=None,
        description="The engagement record (checked by the gateway) that links the item "
        "as its evidence once it is filed: the `filed` event names it.",
    )

    @field_validator("sha256", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        return value.lower() if isinstance(value, str) else value


class UploadTicket(Contract):
    item: ItemView
    url: str
    method: Literal["PUT"] = "PUT"
    headers: dict[str, str] = Field(description="Headers the upload must send.")
    expires_at: datetime


class RequestVersionUploadRequest(Contract):
    """A new version of a filed item: it joins the item's series with the next version
    number. Engagement, owners, volume, category, level and retention come from the
    series, never from the request."""

    caller: Caller
    item_id: UUID = Field(description="Any filed version of the series.")
    filename: str = Field(min_length=1, max_length=255, description="Shown only; never a path.")
    content_type: str = Field(min_length=3, max_length=100)
    size: int = Field(gt=0)
    sha256: str = Field(pattern=SHA256_HEX)
    title: str | None = Field(
        default=None, min_length=1, max_length=300, description="Default: the latest version's."
    )
    document_date: date | None = Field(
        default=None, description="形成日期; default: the latest version's."
    )

    @field_validator("sha256", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        return value.lower() if isinstance(value, str) else value


class ItemRequest(Contract):
    caller: Caller
    item_id: UUID


class GetItemsRequest(Contract):
    caller: Caller
    ids: list[UUID] = Field(max_length=500)


class ItemsReply(Contract):
    items: list[ItemView | None]


class VersionsRequest(Contract):
    caller: Caller
    series_ids: list[UUID] = Field(max_length=200)


class VersionsReply(Contract):
    """Per series asked, in order: its filed versions this caller may see, oldest first."""

    items: list[list[ItemView]]


class VolumeView(Contract):
    id: UUID
    engagement_id: UUID
    title: str
    retention: Retention
    created_at: datetime


class CreateVolumeRequest(Contract):
    caller: Caller
    engagement_id: UUID
    agency_id: UUID
    unit_id: UUID
    title: str = Field(min_length=1, max_length=300)
    retention: Retention


class CatalogueRequest(Contract):
    caller: Caller
    engagement_id: UUID
    include_superseded: bool = Field(
        default=False,
        description="Also list versions replaced by a later filed version of their series.",
    )


class CatalogueReply(Contract):
    """The catalogue (案卷目录) of an engagement as this caller may see it; by default
    one line per series."""

    volumes: list[VolumeView]
    items: list[ItemView]


class SearchItemsRequest(Contract):
    """Archive items across every engagement the caller may see, newest last (keyset by
    id), narrowed by any of the filters; the current version of each series unless
    `include_superseded`."""

    caller: Caller
    search: str | None = Field(default=None, max_length=200, description="Part of the title.")
    engagement_id: UUID | None = None
    category: ItemCategory | None = None
    document_date_from: date | None = None
    document_date_to: date | None = None
    level: int | None = Field(default=None, ge=0, le=3, description="Exactly this 密级.")
    include_superseded: bool = False
    page: Page = Page()


class ItemPage(Contract):
    items: list[ItemView]
    has_next: bool
    total: int


class HandoverView(Contract):
    id: UUID
    engagement_id: UUID
    unit_id: UUID
    item_ids: list[UUID]
    item_sha256: list[str]
    created_by: str
    created_at: datetime
    checkpoint_id: int
    tree_size: int
    root_hash: str
    checkpoint_note: str
    acknowledged_by: str | None
    representative: str | None
    acknowledged_at: datetime | None
    handed_over_on: date | None = None
    waivers: list[dict[str, str]] = Field(
        default_factory=list, description="Required kinds waived: {kind, reason}."
    )


class AcknowledgeHandoverRequest(Contract):
    caller: Caller
    handover_id: UUID
    representative: str = Field(min_length=1, max_length=100, description="The unit's signer.")


class HandoversRequest(Contract):
    caller: Caller
    engagement_id: UUID


class HandoversReply(Contract):
    items: list[HandoverView]


class BorrowView(Contract):
    id: UUID
    item_id: UUID
    requested_by: str
    purpose: str
    copy_requested: bool
    days: int
    status: BorrowStatus
    decided_by: str | None
    decided_at: datetime | None
    copy_approved: bool
    valid_until: datetime | None
    created_at: datetime


class RequestBorrowRequest(Contract):
    caller: Caller
    item_id: UUID
    purpose: str = Field(min_length=1, max_length=500)
    copy_requested: bool = Field(default=False, description="复制 needs its own approval.")
    days: int = Field(default=7, ge=1, le=30)


class DecideBorrowRequest(Contract):
    caller: Caller
    borrow_id: UUID
    approve: bool
    approve_copy: bool = False
    note: str = Field(default="", max_length=500)


class BorrowsRequest(Contract):
    caller: Caller
    item_id: UUID


class BorrowsReply(Contract):
    items: list[BorrowView]


class IssueDownloadRequest(Contract):
    caller: Caller
    item_id: UUID
    direct: bool = Field(description="The caller's role may download without borrowing.")


class DownloadView(Contract):
    item_id: UUID
    url: str
    expires_at: datetime
    borrow_id: UUID | None


class UsageView(Contract):
    """One line of the usage register (利用登记): a URL issued to someone."""

    id: UUID
    item_id: UUID
    actor: str
    tenant: str
    borrow_id: UUID | None
    issued_at: datetime
    expires_at: datetime


class UsageReply(Contract):
    items: list[UsageView]


class DestructionView(Contract):
    id: UUID
    item_id: UUID
    appraisal: str
    appraised_by: str
    approved_by: str | None
    witnesses: list[str]
    created_at: datetime
    executed_at: datetime | None
    remains: str | None = Field(
        default=None,
        description="Once executed: what is left (the tombstone record and the hash; any "
        "stored version the object store refused to remove).",
    )


class RequestDestructionRequest(Contract):
    caller: Caller
    item_id: UUID
    appraisal: str = Field(min_length=1, max_length=2000, description="鉴定意见.")


class ApproveDestructionRequest(Contract):
    caller: Caller
    destruction_id: UUID
    witnesses: list[str] = Field(min_length=2, max_length=2, description="监销人, two people.")


class ChangeLevelRequest(Contract):
    caller: Caller
    item_id: UUID
    level: int = Field(ge=0, le=3)
    reason: str = Field(min_length=1, max_length=500)
    may_lower: bool = Field(description="The caller's role may lower a level (the keeper).")


REQUEST_UPLOAD = Rpc("archive", "item.upload.request", RequestUploadRequest, UploadTicket)
REQUEST_VERSION_UPLOAD = Rpc(
    "archive", "item.version.request", RequestVersionUploadRequest, UploadTicket
)
COMPLETE_UPLOAD = Rpc("archive", "item.upload.complete", ItemRequest, ItemView)
GET_ITEMS = Rpc("archive", "item.get_many", GetItemsRequest, ItemsReply)
VERSIONS = Rpc("archive", "item.versions", VersionsRequest, VersionsReply)
CHANGE_LEVEL = Rpc("archive", "item.level.change", ChangeLevelRequest, ItemView)
CATALOGUE = Rpc("archive", "catalogue.get", CatalogueRequest, CatalogueReply)
SEARCH_ITEMS = Rpc("archive", "item.search", SearchItemsRequest, ItemPage)
CREATE_VOLUME = Rpc("archive", "volume.create", CreateVolumeRequest, VolumeView)
ACKNOWLEDGE_HANDOVER = Rpc(
    "archive", "handover.acknowledge", AcknowledgeHandoverRequest, HandoverView
)
HANDOVERS = Rpc("archive", "handover.list", HandoversRequest, HandoversReply)
REQUEST_BORROW = Rpc("archive", "borrow.request", RequestBorrowRequest, BorrowView)
DECIDE_BORROW = Rpc("archive", "borrow.decide", DecideBorrowRequest, BorrowView)
BORROWS = Rpc("archive", "borrow.list", BorrowsRequest, BorrowsReply)
ISSUE_DOWNLOAD = Rpc("archive", "item.download", IssueDownloadRequest, DownloadView)
USAGE = Rpc("archive", "item.usage", ItemRequest, UsageReply)
REQUEST_DESTRUCTION = Rpc(
    "archive", "destruction.request", RequestDestructionRequest, DestructionView
)
APPROVE_DESTRUCTION = Rpc(
    "archive", "destruction.approve", ApproveDestructionRequest, DestructionView
)

CATALOGUE_RPCS: tuple[Rpc[Any, Any], ...] = (
    REQUEST_UPLOAD,
    REQUEST_VERSION_UPLOAD,
    COMPLETE_UPLOAD,
    GET_ITEMS,
    VERSIONS,
    CHANGE_LEVEL,
    CATALOGUE,
    SEARCH_ITEMS,
    CREATE_VOLUME,
    ACKNOWLEDGE_HANDOVER,
    HANDOVERS,
    REQUEST_BORROW,
    DECIDE_BORROW,
    BORROWS,
    ISSUE_DOWNLOAD,
    USAGE,
    REQUEST_DESTRUCTION,
    APPROVE_DESTRUCTION,
)
