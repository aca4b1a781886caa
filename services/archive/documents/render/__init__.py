"""Rendering the standard's documents from recorded facts, as PDF (Typst) and DOCX.

    missing_data(kind, facts, meta)        what the document needs and the facts lack
    render_document(kind, fmt, facts, meta, variant=None) -> RenderedDocument

Each kind's builder (one module per kind) computes the document model from the facts;
the kind's template — versioned data under services/archive/documents/templates/ —
lays it out. Sections the data cannot fill are rendered marked 待填写 for the author.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from contracts.archive.documents import (
    DocumentFormat,
    DocumentKind,
    DocumentMeta,
    EngagementFacts,
)
from services.archive.documents.render.common import cover
from services.archive.documents.render.kinds import KINDS
from services.archive.documents.render.model import Document
from services.archive.documents.render.typst_pdf import TEMPLATES, compile_pdf, page_count

MEDIA_TYPE = {
    DocumentFormat.PDF: "application/pdf",
    DocumentFormat.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


class UnsupportedFormat(ValueError):
    """The kind is not rendered in that format (XLSX stays with the tabular ledgers)."""


@dataclass(frozen=True)
class RenderedDocument:
    content: bytes
    media_type: str
    filename: str
    page_count: int | None  # None for DOCX: Word lays out its own pages


def missing_data(kind: DocumentKind, facts: EngagementFacts, meta: DocumentMeta) -> list[str]:
    """What the document needs and the facts lack, each "中文 / English"; empty when
    it can be rendered."""
    return KINDS[kind].missing(facts, meta)


def build_document(kind: DocumentKind, facts: EngagementFacts, meta: DocumentMeta) -> Document:
    spec = KINDS[kind]
    return Document(
        kind=kind.value,
        cover=cover(spec.title, facts, meta, f"模板 {kind.value}/v{spec.version}"),
        sections=spec.sections(facts, meta),
        landscape=spec.landscape,
        outline=spec.outline,
    )


def filename(kind: DocumentKind, meta: DocumentMeta, fmt: DocumentFormat) -> str:
    number = re.sub(r"[^0-9A-Za-z._-]+", "_", meta.document_number).strip("_") or "document"
    return f"{kind.value}-{number}.{fmt.value}"


def render_document(
    kind: DocumentKind, fmt: DocumentFormat, facts: EngagementFacts, meta: DocumentMeta
) -> RenderedDocument:
    missing = missing_data(kind, facts, meta)
    if missing:
        raise ValueError("；".join(missing))
    document = build_document(kind, facts, meta)
    spec = KINDS[kind]
    if fmt == DocumentFormat.PDF:
        main = TEMPLATES / kind.value / f"v{spec.version}" / "main.typ"
        pdf = compile_pdf(document, main)
        return RenderedDocument(pdf, MEDIA_TYPE[fmt], filename(kind, meta, fmt), page_count(pdf))
    raise UnsupportedFormat(f"{kind.value} 不以 {fmt.value} 格式生成 / not rendered as {fmt.value}")
