"""Typed errors of the archive's mutations, mapped here so gateway/errors.py stays as is."""

from __future__ import annotations

import strawberry

from contracts.archive import errors as archive_errors
from contracts.core import DomainError
from gateway.errors import Error, _camel, to_graphql


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


def archive_error(exc: DomainError, request_id: str) -> Error:
    field = _camel(exc.field)
    match exc:
        case archive_errors.ArchiveItemNotFound():
            return ArchiveItemNotFound(message=exc.message, code=exc.code, field=field)
        case archive_errors.ArchiveRecordNotFound():
            return ArchiveRecordNotFound(message=exc.message, code=exc.code, field=field)
        case archive_errors.UploadRejected():
            return UploadRejected(message=exc.message, code=exc.code, field=field)
        case archive_errors.UploadMismatch():
            return UploadMismatch(message=exc.message, code=exc.code, field=field)
        case archive_errors.ArchiveStateConflict():
            return ArchiveStateConflict(message=exc.message, code=exc.code, field=field)
    return to_graphql(exc, request_id)
