"""Which builder writes which document kind, under which title and template version."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from contracts.archive.documents import DocumentKind, DocumentMeta, EngagementFacts
from contracts.core import Message
from services.archive.documents.render import (
    closing,
    evaluation_table,
    files,
    plan,
    stage_report,
    status_investigation,
)
from services.archive.documents.render.model import Section

Builder = Callable[[EngagementFacts, DocumentMeta], list[Section]]
Check = Callable[[EngagementFacts, DocumentMeta], list[Message]]


def _nothing_missing(facts: EngagementFacts, meta: DocumentMeta) -> list[Message]:
    return []


@dataclass(frozen=True)
class KindSpec:
    title: str
    sections: Builder
    missing: Check = _nothing_missing
    version: int = 1
    landscape: bool = False
    outline: bool = True


KINDS: dict[DocumentKind, KindSpec] = {
    DocumentKind.IMPLEMENTATION_PLAN: KindSpec(plan.TITLE, plan.sections, plan.missing),
    DocumentKind.STAGE_REPORT: KindSpec(
        stage_report.TITLE, stage_report.sections, stage_report.missing
    ),
    DocumentKind.STATUS_INVESTIGATION: KindSpec(
        status_investigation.TITLE, status_investigation.sections, status_investigation.missing
    ),
    DocumentKind.IMPLEMENTATION_SUMMARY: KindSpec(
        closing.SUMMARY_TITLE, closing.summary_sections, closing.missing
    ),
    DocumentKind.RESULTS_REPORT: KindSpec(
        closing.RESULTS_TITLE, closing.results_sections, closing.missing
    ),
    DocumentKind.ENVIRONMENTAL_FILES: KindSpec(files.FILES_TITLE, files.environmental_files),
    DocumentKind.TRAINING_RECORD: KindSpec(
        files.TRAINING_TITLE, files.training_record, files.missing_training, outline=False
    ),
    DocumentKind.RECTIFICATION_LEDGER: KindSpec(
        files.LEDGER_TITLE, files.rectification_ledger, landscape=True, outline=False
    ),
    DocumentKind.EVALUATION_TABLE: KindSpec(
        evaluation_table.TITLE,
        evaluation_table.sections,
        evaluation_table.missing,
        landscape=True,
        outline=False,
    ),
}
