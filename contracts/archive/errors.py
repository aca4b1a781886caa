"""Errors of the archive service, with their stable codes."""

from __future__ import annotations

from contracts.core import Conflict, DomainError, NotFound, ValidationFailed


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


# --- generated documents ----------------------------------------------------------------


class DocumentDataMissing(ValidationFailed):
    """The recorded data cannot fill the document yet; `details.missing` says what is
    missing, in words a user can act on."""

    code = "document_data_missing"


class DocumentFormatNotOffered(ValidationFailed):
    """This kind of document is not produced in the format asked for."""

    code = "document_format_not_offered"


class DocumentTemplateNotFound(NotFound):
    """The agency has no template variant of this name for this kind."""

    code = "document_template_not_found"


class InvalidDocumentTemplate(ValidationFailed):
    """A template variant was refused before it was stored; `details.problems` lists
    every problem found."""

    code = "invalid_document_template"


class DocumentRenderFailed(DomainError):
    """Rendering failed (a job's error, never a request's)."""

    code = "document_render_failed"


# --- evidence on engagement records ------------------------------------------------------


class EvidenceNotFound(NotFound):
    """An item named as a record's evidence does not exist, or the caller may not see it
    (tenant or 密级): the two read the same."""

    code = "evidence_not_found"


class EvidenceNotFiled(Conflict):
    """An item named as evidence is not filed (still uploading, expired or destroyed)."""

    code = "evidence_not_filed"


class EvidenceOtherEngagement(ValidationFailed):
    """An item named as evidence belongs to another engagement than the record."""

    code = "evidence_other_engagement"
