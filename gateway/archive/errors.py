"""Typed errors of the archive catalogue."""

from __future__ import annotations

import strawberry

from gateway.archive.catalogue_types import ItemCategory
from gateway.errors import Error


@strawberry.type(description="No such archive item — or none you may see (tenant or 密级).")
class ArchiveItemNotFound(Error):
    field: str | None


@strawberry.type(
    description="No such volume, handover, borrow request or destruction — or none you may see."
)
class ArchiveRecordNotFound(Error):
    field: str | None


@strawberry.type(description="Refused before upload: size or content type outside the limits.")
class UploadRejected(Error):
    field: str | None


@strawberry.type(
    description="The uploaded bytes differ from what was declared; the bad bytes "
    "were removed and the upload URL may be used again until it expires."
)
class UploadMismatch(Error):
    field: str | None


@strawberry.type(
    description="Not allowed in the record's current state (retention not over, "
    "already decided, own request, …)."
)
class ArchiveStateConflict(Error):
    field: str | None


@strawberry.type(
    description="移交不完整: a kind of results R4.2.4.2 requires is neither handed over "
    "nor waived with a reason; `missing` lists every one."
)
class HandoverIncomplete(Error):
    field: str | None
    missing: list[ItemCategory]  # type: ignore[valid-type]


@strawberry.type(
    description="An archive item named as a record's evidence does not exist — or is "
    "one you may not see (tenant or 密级)."
)
class EvidenceNotFound(Error):
    field: str | None


@strawberry.type(
    description="An archive item named as evidence is not filed (still uploading, "
    "expired or destroyed): complete its upload first."
)
class EvidenceNotFiled(Error):
    field: str | None


@strawberry.type(description="An archive item named as evidence belongs to another engagement.")
class EvidenceOtherEngagement(Error):
    field: str | None
