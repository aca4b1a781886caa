"""Queries of generated documents. A job is its agency's (`document, read`); documents
are archive items and read as the catalogue's (`archive_item, read`, tenant, handover
and 密级, checked by the archive in SQL and again here). Anything denied reads as
missing."""

from __future__ import annotations

from uuid import UUID

import strawberry
from strawberry.types import Info

from contracts.archive import rpc_documents
from contracts.core import ValidationFailed
from gateway.archive.access import caller_of
from gateway.archive.documents_types import (
    DocumentJob,
    DocumentKind,
    DocumentTemplate,
    GeneratedDocument,
)
from gateway.context import Context
from gateway.ids import decode_global_id


def _uuid(value: strawberry.ID, kind: str, field: str) -> UUID | None:
    try:
        return decode_global_id(value, kind, field=field)
    except ValidationFailed:
        return None


@strawberry.type
class DocumentQueries:
    @strawberry.field(
        description="A document generation job, to poll its progress; null if missing or "
        "not your agency's."
    )
    async def document_job(
        self, info: Info[Context, None], id: strawberry.ID
    ) -> DocumentJob | None:
        ctx = info.context
        job_id = _uuid(id, "DocumentJob", "id")
        if job_id is None or not ctx.authorizer.can("document", "read"):
            return None
        req = rpc_documents.DocumentJobsRequest(caller=caller_of(ctx), ids=[job_id])
        [view] = await ctx.clients.archive.document_jobs(req)
        return DocumentJob.from_view(view) if view else None

    @strawberry.field(
        description="The documents generated for an engagement, each with the versions you "
        "may see (a unit: what was handed over to it)."
    )
    async def documents(
        self, info: Info[Context, None], engagement_id: strawberry.ID
    ) -> list[GeneratedDocument]:
        ctx = info.context
        engagement = _uuid(engagement_id, "Engagement", "engagementId")
        if engagement is None or not ctx.authorizer.can("archive_item", "read"):
            return []
        req = rpc_documents.DocumentsRequest(caller=caller_of(ctx), engagement_id=engagement)
        found = [
            GeneratedDocument.from_view(ctx, s) for s in await ctx.clients.archive.documents(req)
        ]
        return [d for d in found if d is not None]

    @strawberry.field(description="Your agency's template variants, the latest version of each.")
    async def document_templates(
        self,
        info: Info[Context, None],
        kind: DocumentKind | None = None,  # type: ignore[valid-type]
    ) -> list[DocumentTemplate]:
        ctx = info.context
        if not ctx.authorizer.can("document_template", "read"):
            return []
        req = rpc_documents.TemplatesRequest(caller=caller_of(ctx), kind=kind)
        return [DocumentTemplate.from_view(t) for t in await ctx.clients.archive.templates(req)]
