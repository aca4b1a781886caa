"""Errors of the archive service, with their stable codes."""

from __future__ import annotations

from contracts.core import Conflict, NotFound, ValidationFailed


class ArchiveItemNotFound(NotFound):
    """No such item — or none this caller may see (level or tenant)."""

    code = "archive_item_not_found"


class ArchiveRecordNotFound(NotFound):
    """No such volume, handover, borrow request or destruction — or not yours."""

    code = "archive_record_not_found"


class UploadRejected(ValidationFailed):
    """Refused before upload: size or content type outside the configured limits."""

    code = "upload_rejected"


class UploadMismatch(ValidationFailed):
    """The stored bytes differ from what was declared (missing, size, type or SHA-256)."""

    code = "upload_mismatch"


class ArchiveStateConflict(Conflict):
    """Not allowed in the record's current state (e.g. retention not yet over)."""

    code = "archive_state_conflict"


class HandoverIncomplete(ValidationFailed):
    """A required kind of R4.2.4.2 is neither handed over nor waived with a reason; the
    message lists every one missing."""

    code = "handover_incomplete"
