"""Which builder writes which document kind, under which title and template version."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from contracts.archive.documents import DocumentKind, DocumentMeta, EngagementFacts
from services.archive.documents.render import stage_report
from services.archive.documents.render.model import Section

Builder = Callable[[EngagementFacts, DocumentMeta], list[Section]]
Check = Callable[[EngagementFacts, DocumentMeta], list[str]]


def _nothing_missing(facts: EngagementFacts, meta: DocumentMeta) -> list[str]:
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
    DocumentKind.STAGE_REPORT: KindSpec(
        stage_report.TITLE, stage_report.sections, stage_report.missing
    ),
}
