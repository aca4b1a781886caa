"""Replies of generated documents, built from rows."""

from __future__ import annotations

from contracts.archive.documents import DocumentPeriod
from contracts.archive.rpc_documents import DocumentJobView, DocumentTemplateView
from services.archive.documents.models import DocumentJob, DocumentTemplate


def period_of(row: DocumentJob) -> DocumentPeriod | None:
    if row.period_start is None or row.period_end is None:
        return None
    return DocumentPeriod(start=row.period_start, end=row.period_end)


def job_view(row: DocumentJob) -> DocumentJobView:
    return DocumentJobView.from_row(row, period=period_of(row))


def template_view(row: DocumentTemplate) -> DocumentTemplateView:
    return DocumentTemplateView.from_row(row, definition=dict(row.definition))
