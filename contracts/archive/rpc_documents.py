"""Request/reply contracts of generated documents (文件生成): a request to generate one
document (answered at once with its job), the job's progress, the documents of an
engagement with their versions, and the agencies' template variants.

Like the catalogue's, every request carries the caller's `Scope` and clearance: the archive
gathers the facts in the caller's name, so the owning services decide what a document may
show, and re-checks the tenant itself.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from pydantic import Field

from contracts.archive.documents import DocumentFormat, DocumentKind, DocumentPeriod
from contracts.archive.rpc_catalogue import Caller, ItemView
from contracts.core import Contract, Rpc

TEMPLATE_NAME = r"^[\w\-. \u4e00-\u9fff]{1,60}$"


class DocumentJobStatus(StrEnum):
    """A generation job's life: queued → running → done | failed (running → queued again
    when its worker's lease ran out, until its attempts are used up)."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class GenerateDocumentRequest(Contract):
    caller: Caller
    engagement_id: UUID
    kind: DocumentKind
    format: DocumentFormat
    period: DocumentPeriod | None = Field(
        default=None, description="The period covered (a stage report's); default: all."
    )
    template: str | None = Field(
        default=None,
        pattern=TEMPLATE_NAME,
        description="The name of one of the agency's template variants; default: the "
        "standard's template.",
    )


class DocumentJobView(Contract):
    """One generation: what was asked, how far it is, and the item it filed."""

    id: UUID
    engagement_id: UUID
    agency_id: UUID
    kind: DocumentKind
    format: DocumentFormat
    period: DocumentPeriod | None
    template: str | None
    template_version: int | None
    status: DocumentJobStatus
    progress: int = Field(ge=0, le=100, description="Percent done.")
    attempts: int
    max_attempts: int
    error_code: str | None
    error_message: str | None = Field(description="Chinese first, then English.")
    item_id: UUID | None = Field(description="The archive item filed, once done.")
    created_by: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class DocumentJobsRequest(Contract):
    caller: Caller
    ids: list[UUID] = Field(max_length=200)


class DocumentJobsReply(Contract):
    items: list[DocumentJobView | None]


class DocumentsRequest(Contract):
    caller: Caller
    engagement_id: UUID


class DocumentSeriesView(Contract):
    """One generated document of an engagement (a kind, for a period, from a template):
    its archive series, every filed version the caller may see, oldest first."""

    kind: DocumentKind
    series_id: UUID
    versions: list[ItemView]


class DocumentsReply(Contract):
    items: list[DocumentSeriesView]


class RegisterTemplateRequest(Contract):
    """A variant of a kind's template for the caller's agency: registering a name again
    makes its next version; earlier versions stay, as documents name the one they used."""

    caller: Caller
    kind: DocumentKind
    name: str = Field(pattern=TEMPLATE_NAME)
    definition: dict[str, Any] = Field(
        description="The variant as the renderer reads it (letterhead, logo, extra "
        "sections, …); validated before it is stored."
    )


class DocumentTemplateView(Contract):
    id: UUID
    agency_id: UUID
    kind: DocumentKind
    name: str
    version: int
    definition: dict[str, Any]
    created_by: str
    created_at: datetime


class TemplatesRequest(Contract):
    caller: Caller
    kind: DocumentKind | None = None


class TemplatesReply(Contract):
    """The latest version of each of the agency's variants, by kind and name."""

    items: list[DocumentTemplateView]


GENERATE_DOCUMENT = Rpc("archive", "document.generate", GenerateDocumentRequest, DocumentJobView)
DOCUMENT_JOBS = Rpc("archive", "document.jobs", DocumentJobsRequest, DocumentJobsReply)
DOCUMENTS = Rpc("archive", "document.list", DocumentsRequest, DocumentsReply)
REGISTER_TEMPLATE = Rpc(
    "archive", "document.template.register", RegisterTemplateRequest, DocumentTemplateView
)
TEMPLATES = Rpc("archive", "document.template.list", TemplatesRequest, TemplatesReply)

DOCUMENT_RPCS: tuple[Rpc[Any, Any], ...] = (
    GENERATE_DOCUMENT,
    DOCUMENT_JOBS,
    DOCUMENTS,
    REGISTER_TEMPLATE,
    TEMPLATES,
)
