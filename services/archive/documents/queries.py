"""Reads of generated documents: jobs (the requesting agency's), the documents of an
engagement with the versions the caller may see, and the agency's template variants."""

from __future__ import annotations

from collections import defaultdict
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.archive.documents import DocumentKind
from contracts.archive.rpc_catalogue import ItemView
from contracts.archive.rpc_documents import (
    DocumentJobsReply,
    DocumentJobsRequest,
    DocumentSeriesView,
    DocumentsReply,
    DocumentsRequest,
    TemplatesReply,
    TemplatesRequest,
)
from services.archive.catalogue import domain as catalogue_domain
from services.archive.catalogue import repository as catalogue_repository
from services.archive.catalogue.views import item_view
from services.archive.documents import repository
from services.archive.documents.views import job_view, template_view


async def jobs(session: AsyncSession, req: DocumentJobsRequest) -> DocumentJobsReply:
    """A job is its agency's work in progress: visible to that agency only."""
    found = await repository.jobs(session, req.ids)
    return DocumentJobsReply(
        items=[
            job_view(row)
            if (row := found.get(i))
            and catalogue_domain.is_callers_agency(req.caller, row.agency_id)
            else None
            for i in req.ids
        ]
    )


async def documents(session: AsyncSession, req: DocumentsRequest) -> DocumentsReply:
    """Each generated document of the engagement with its filed versions the caller may
    see (tenant, handover, 密级: the catalogue's rule); one the caller sees no version of
    is left out."""
    series = await repository.engagement_series(session, req.engagement_id)
    rows = await catalogue_repository.filed_versions(
        session, req.caller, [s.series_id for s in series]
    )
    versions: dict[UUID, list[ItemView]] = defaultdict(list)
    for row in rows:
        versions[row.series_id].append(item_view(row))
    return DocumentsReply(
        items=[
            DocumentSeriesView(
                kind=DocumentKind(s.kind), series_id=s.series_id, versions=versions[s.series_id]
            )
            for s in series
            if versions[s.series_id]
        ]
    )


async def templates(session: AsyncSession, req: TemplatesRequest) -> TemplatesReply:
    agency_id = req.caller.scope.agency_id
    if agency_id is None:
        return TemplatesReply(items=[])
    rows = await repository.latest_templates(session, agency_id, req.kind)
    return TemplatesReply(items=[template_view(r) for r in rows])
