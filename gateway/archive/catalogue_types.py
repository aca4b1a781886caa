"""GraphQL types of the archive catalogue: items, volumes (案卷), handovers (移交),
borrowing (借阅), the usage register and destructions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from enum import Enum
from typing import Self
from uuid import UUID

import strawberry
from strawberry import relay
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from contracts.archive import enums as archive_enums
from contracts.archive import rpc_catalogue as archive_rpc_catalogue
from gateway.archive.access import caller_of
from gateway.context import Context
from gateway.ids import encode_global_id
from gateway.pagination import TOTAL_COUNT
from gateway.views import from_view
from kit.auth import Level

ItemCategory = strawberry.enum(
    archive_enums.ItemCategory, description="R4.2.4.2 kinds and process files."
)
Retention = strawberry.enum(archive_enums.Retention, description="保管期限.")
ItemStatus = strawberry.enum(archive_enums.ItemStatus)
BorrowStatus = strawberry.enum(archive_enums.BorrowStatus)


@strawberry.enum(description="密级: 公开 PUBLIC, 内部 INTERNAL, 秘密 SECRET, 机密 TOP_SECRET.")
class Confidentiality(Enum):
    PUBLIC = Level.PUBLIC.value
    INTERNAL = Level.INTERNAL.value
    SECRET = Level.SECRET.value
    TOP_SECRET = Level.TOP_SECRET.value


def gid(kind: str, value: object) -> strawberry.ID:
    return strawberry.ID(encode_global_id(kind, value))  # type: ignore[arg-type]


VersionsLoader = DataLoader[UUID, list[archive_rpc_catalogue.ItemView]]


def readable(ctx: Context, view: archive_rpc_catalogue.ItemView) -> bool:
    """Defence in depth: the service filtered already; a bug there must not leak here."""
    return ctx.authorizer.can("archive_item", "read") and ctx.authorizer.can_read_level(view.level)


def versions_loader(ctx: Context) -> VersionsLoader:
    """Batches the `versions` of every item of one list into one request."""
    client, caller = ctx.clients.archive, caller_of(ctx)

    async def load(series_ids: Sequence[UUID]) -> list[list[archive_rpc_catalogue.ItemView]]:
        return await client.versions(
            archive_rpc_catalogue.VersionsRequest(caller=caller, series_ids=list(series_ids))
        )

    return DataLoader(load_fn=load, max_batch_size=200)


@strawberry.type
class MetadataEntry:
    name: str
    value: str


@strawberry.type(description="An archived file and its metadata; a tombstone once destroyed.")
class ArchiveItem:
    id: strawberry.ID
    series_id: strawberry.ID = strawberry.field(
        description="The versions of one deliverable share it: the id of its first version."
    )
    engagement_id: strawberry.ID
    volume_id: strawberry.ID | None
    category: ItemCategory  # type: ignore[valid-type]
    title: str
    filename: str = strawberry.field(description="As uploaded, for display only.")
    content_type: str
    size: int
    sha256: str
    version: int = strawberry.field(description="1, 2, … within the series; never reused.")
    confidentiality: Confidentiality
    retention: Retention  # type: ignore[valid-type]
    document_date: date
    retention_ends: date | None = strawberry.field(description="Null when kept permanently.")
    metadata: list[MetadataEntry]
    status: ItemStatus  # type: ignore[valid-type]
    handed_over: bool
    filed_automatically: bool
    created_by: str
    created_at: datetime
    filed_at: datetime | None
    destroyed_at: datetime | None
    uuid: strawberry.Private[UUID]
    series: strawberry.Private[UUID]
    loader: strawberry.Private[VersionsLoader | None] = None

    @classmethod
    def from_view(
        cls, v: archive_rpc_catalogue.ItemView, loader: VersionsLoader | None = None
    ) -> Self:
        """`loader`: shared by the items of one list, so their versions load together."""
        return cls(
            id=gid("ArchiveItem", v.id),
            series_id=gid("ArchiveItem", v.series_id),
            engagement_id=gid("Engagement", v.engagement_id),
            volume_id=gid("ArchiveVolume", v.volume_id) if v.volume_id else None,
            category=v.category,
            title=v.title,
            filename=v.filename,
            content_type=v.content_type,
            size=v.size,
            sha256=v.sha256,
            version=v.version,
            confidentiality=Confidentiality(v.level),
            retention=v.retention,
            document_date=v.document_date,
            retention_ends=v.retention_ends,
            metadata=[MetadataEntry(name=k, value=x) for k, x in sorted(v.metadata.items())],
            status=v.status,
            handed_over=v.handed_over,
            filed_automatically=v.source_event_id is not None,
            created_by=v.created_by,
            created_at=v.created_at,
            filed_at=v.filed_at,
            destroyed_at=v.destroyed_at,
            uuid=v.id,
            series=v.series_id,
            loader=loader,
        )

    @strawberry.field(
        description="Every filed version of this item's series that you may see, oldest "
        "first (this item too, once filed)."
    )
    async def versions(self, info: Info[Context, None]) -> list[ArchiveItem]:
        ctx = info.context
        if not ctx.authorizer.can("archive_item", "read"):
            return []
        loader = self.loader or versions_loader(ctx)
        views = await loader.load(self.series)
        return [ArchiveItem.from_view(v, loader) for v in views if readable(ctx, v)]

    @strawberry.field(
        description="Borrow requests: all of them for the keeping agency, your own otherwise."
    )
    async def borrow_requests(self, info: Info[Context, None]) -> list[BorrowRequest]:
        ctx = info.context
        if not ctx.authorizer.can("archive_item", "read"):
            return []
        req = archive_rpc_catalogue.BorrowsRequest(caller=caller_of(ctx), item_id=self.uuid)
        items = await ctx.clients.archive.borrows(req)
        return [BorrowRequest.from_view(b) for b in items]

    @strawberry.field(
        description="利用登记: every download URL issued for this item; the "
        "archive keeper's view (empty for others)."
    )
    async def usage(self, info: Info[Context, None]) -> list[UsageRecord]:
        ctx = info.context
        if not ctx.authorizer.can("archive_item", "usage"):
            return []
        req = archive_rpc_catalogue.ItemRequest(caller=caller_of(ctx), item_id=self.uuid)
        items = await ctx.clients.archive.usage(req)
        return [UsageRecord.from_view(u) for u in items]


@strawberry.type
class ArchiveItemEdge:
    cursor: str
    node: ArchiveItem


@strawberry.type(description="A page of archive items (Relay-shaped; items are not Nodes).")
class ArchiveItemConnection:
    edges: list[ArchiveItemEdge]
    page_info: relay.PageInfo
    total_count: int = strawberry.field(description=TOTAL_COUNT)


@strawberry.type(description="案卷: a titled group of an engagement's items.")
class ArchiveVolume:
    id: strawberry.ID
    title: str
    retention: Retention  # type: ignore[valid-type]
    created_at: datetime

    @classmethod
    def from_view(cls, v: archive_rpc_catalogue.VolumeView) -> Self:
        return from_view(cls, v, id=gid("ArchiveVolume", v.id))


@strawberry.type(description="案卷目录: an engagement's volumes and the items you may see.")
class ArchiveCatalogue:
    volumes: list[ArchiveVolume]
    items: list[ArchiveItem]


@strawberry.type(
    description="移交: items handed to the unit, sealed by a signed checkpoint. Lists only "
    "the items you may see (none above your clearance)."
)
class Handover:
    id: strawberry.ID
    engagement_id: strawberry.ID
    item_ids: list[strawberry.ID] = strawberry.field(
        description="The items handed over that you may see, in list order."
    )
    item_sha256: list[str] = strawberry.field(
        description="Their hashes, in the order of `itemIds`."
    )
    created_by: str
    created_at: datetime
    checkpoint_number: int
    checkpoint_tree_size: int
    checkpoint_root_hash: str
    checkpoint_note: str = strawberry.field(description="The signed note the unit keeps.")
    acknowledged_by: str | None
    representative: str | None
    acknowledged_at: datetime | None

    @classmethod
    def from_view(cls, v: archive_rpc_catalogue.HandoverView) -> Self:
        return from_view(
            cls,
            v,
            id=gid("Handover", v.id),
            engagement_id=gid("Engagement", v.engagement_id),
            item_ids=[gid("ArchiveItem", i) for i in v.item_ids],
            checkpoint_number=v.checkpoint_id,
            checkpoint_tree_size=v.tree_size,
            checkpoint_root_hash=v.root_hash,
        )


@strawberry.type(description="借阅: a request and the keeper's decision; a grant until validUntil.")
class BorrowRequest:
    id: strawberry.ID
    item_id: strawberry.ID
    requested_by: str
    purpose: str
    copy_requested: bool
    days: int
    status: BorrowStatus  # type: ignore[valid-type]
    decided_by: str | None
    decided_at: datetime | None
    copy_approved: bool
    valid_until: datetime | None
    created_at: datetime

    @classmethod
    def from_view(cls, v: archive_rpc_catalogue.BorrowView) -> Self:
        return from_view(
            cls, v, id=gid("BorrowRequest", v.id), item_id=gid("ArchiveItem", v.item_id)
        )


@strawberry.type(description="One download URL issued: who, when, until when, under which grant.")
class UsageRecord:
    actor: str
    tenant: str
    borrow_request_id: strawberry.ID | None
    issued_at: datetime
    expires_at: datetime

    @classmethod
    def from_view(cls, v: archive_rpc_catalogue.UsageView) -> Self:
        borrow = gid("BorrowRequest", v.borrow_id) if v.borrow_id else None
        return from_view(cls, v, borrow_request_id=borrow)


@strawberry.type(description="销毁: appraisal, approval with two witnesses, execution.")
class Destruction:
    id: strawberry.ID
    item_id: strawberry.ID
    appraisal: str
    appraised_by: str
    approved_by: str | None
    witnesses: list[str]
    created_at: datetime
    executed_at: datetime | None

    @classmethod
    def from_view(cls, v: archive_rpc_catalogue.DestructionView) -> Self:
        return from_view(cls, v, id=gid("Destruction", v.id), item_id=gid("ArchiveItem", v.item_id))
