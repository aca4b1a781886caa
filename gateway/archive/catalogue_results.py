"""What the archive catalogue's mutations answer: a success type or a typed error."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from gateway.archive.catalogue_types import (
    ArchiveItem,
    ArchiveVolume,
    BorrowRequest,
    Destruction,
    Handover,
)
from gateway.archive.errors import (
    ArchiveItemNotFound,
    ArchiveRecordNotFound,
    ArchiveStateConflict,
    UploadMismatch,
    UploadRejected,
)
from gateway.engagement.errors import EngagementNotFound
from gateway.errors import CommonErrors
from gateway.mutation import ResultUnion


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


@strawberry.type(description="移交包: download it before `expiresAt`; check `sha256` after.")
class HandoverPackageSuccess:
    url: str
    expires_at: datetime
    sha256: str = strawberry.field(description="SHA-256 of the ZIP, hex.")
    size: int = strawberry.field(description="Bytes of the ZIP.")
    filename: str


@strawberry.type
class DestructionSuccess:
    destruction: Destruction


RequestUploadResult = Annotated[
    RequestUploadSuccess
    | EngagementNotFound
    | UploadRejected
    | ArchiveRecordNotFound
    | ArchiveItemNotFound
    | CommonErrors,
    strawberry.union("RequestUploadResult"),
]
REQUEST_UPLOAD: ResultUnion[RequestUploadResult] = ResultUnion(RequestUploadResult)
RequestItemVersionUploadResult = Annotated[
    RequestUploadSuccess
    | UploadRejected
    | ArchiveItemNotFound
    | ArchiveStateConflict
    | CommonErrors,
    strawberry.union("RequestItemVersionUploadResult"),
]
REQUEST_ITEM_VERSION_UPLOAD: ResultUnion[RequestItemVersionUploadResult] = ResultUnion(
    RequestItemVersionUploadResult
)
CompleteUploadResult = Annotated[
    ArchiveItemSuccess | UploadMismatch | ArchiveItemNotFound | ArchiveStateConflict | CommonErrors,
    strawberry.union("CompleteUploadResult"),
]
COMPLETE_UPLOAD: ResultUnion[CompleteUploadResult] = ResultUnion(CompleteUploadResult)
CreateArchiveVolumeResult = Annotated[
    ArchiveVolumeSuccess | EngagementNotFound | ArchiveRecordNotFound | CommonErrors,
    strawberry.union("CreateArchiveVolumeResult"),
]
CREATE_ARCHIVE_VOLUME: ResultUnion[CreateArchiveVolumeResult] = ResultUnion(
    CreateArchiveVolumeResult
)
IssueHandoverPackageUrlResult = Annotated[
    HandoverPackageSuccess | ArchiveRecordNotFound | ArchiveStateConflict | CommonErrors,
    strawberry.union("IssueHandoverPackageUrlResult"),
]
ISSUE_HANDOVER_PACKAGE_URL: ResultUnion[IssueHandoverPackageUrlResult] = ResultUnion(
    IssueHandoverPackageUrlResult
)
AcknowledgeHandoverResult = Annotated[
    HandoverSuccess | ArchiveRecordNotFound | ArchiveStateConflict | CommonErrors,
    strawberry.union("AcknowledgeHandoverResult"),
]
ACKNOWLEDGE_HANDOVER: ResultUnion[AcknowledgeHandoverResult] = ResultUnion(
    AcknowledgeHandoverResult
)
RequestBorrowResult = Annotated[
    BorrowRequestSuccess | ArchiveItemNotFound | ArchiveStateConflict | CommonErrors,
    strawberry.union("RequestBorrowResult"),
]
REQUEST_BORROW: ResultUnion[RequestBorrowResult] = ResultUnion(RequestBorrowResult)
DecideBorrowResult = Annotated[
    BorrowRequestSuccess | ArchiveRecordNotFound | ArchiveStateConflict | CommonErrors,
    strawberry.union("DecideBorrowResult"),
]
DECIDE_BORROW: ResultUnion[DecideBorrowResult] = ResultUnion(DecideBorrowResult)
IssueDownloadUrlResult = Annotated[
    DownloadUrlSuccess | ArchiveItemNotFound | ArchiveStateConflict | CommonErrors,
    strawberry.union("IssueDownloadUrlResult"),
]
ISSUE_DOWNLOAD_URL: ResultUnion[IssueDownloadUrlResult] = ResultUnion(IssueDownloadUrlResult)
RequestDestructionResult = Annotated[
    DestructionSuccess | ArchiveItemNotFound | ArchiveStateConflict | CommonErrors,
    strawberry.union("RequestDestructionResult"),
]
REQUEST_DESTRUCTION: ResultUnion[RequestDestructionResult] = ResultUnion(RequestDestructionResult)
ApproveDestructionResult = Annotated[
    DestructionSuccess | ArchiveRecordNotFound | ArchiveStateConflict | CommonErrors,
    strawberry.union("ApproveDestructionResult"),
]
APPROVE_DESTRUCTION: ResultUnion[ApproveDestructionResult] = ResultUnion(ApproveDestructionResult)
ChangeConfidentialityResult = Annotated[
    ArchiveItemSuccess | ArchiveItemNotFound | ArchiveStateConflict | CommonErrors,
    strawberry.union("ChangeConfidentialityResult"),
]
CHANGE_CONFIDENTIALITY: ResultUnion[ChangeConfidentialityResult] = ResultUnion(
    ChangeConfidentialityResult
)
