"""The inputs of the archive catalogue's mutations."""

from __future__ import annotations

from datetime import date

import strawberry

from gateway.archive.catalogue_types import Confidentiality, ItemCategory, Retention


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
class IssueHandoverPackageUrlInput:
    handover_id: strawberry.ID


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
