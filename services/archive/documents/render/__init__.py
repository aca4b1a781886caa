"""Rendering the standard's documents from recorded facts, as PDF (Typst) and DOCX.

    missing_data(kind, facts, meta)                       what the facts lack (Messages)
    render_document(kind, fmt, facts, meta, variant=None) -> RenderedDocument
    validate_variant(variant)                             what is wrong with an agency's variant

Each kind's builder (one module per kind or family) computes the document model from
the facts; the kind's template — versioned data under
services/archive/documents/templates/<kind>/v<n>/ — lays it out as PDF, and the DOCX
writer writes the same model as Word structure. Sections the data cannot fill are
rendered marked 待填写 for the author, never left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from contracts.archive.documents import (
    DocumentFormat,
    DocumentKind,
    DocumentMeta,
    EngagementFacts,
)
from contracts.core import Message
from services.archive.documents.render.common import cover, paragraphs
from services.archive.documents.render.docx_writer import write_docx
from services.archive.documents.render.kinds import KINDS
from services.archive.documents.render.model import Document, Section
from services.archive.documents.render.typst_pdf import (
    TEMPLATES,
    TemplateError,
    compile_pdf,
    page_count,
)
from services.archive.documents.render.variant import (
    MAX_LOGO_BYTES,
    ExtraSection,
    TemplateVariant,
    fill,
    logo_suffix,
    placeholder_values,
    template_root,
    unknown_placeholders,
    variant_from_definition,
)
from services.archive.documents.render.xlsx_writer import write_xlsx

__all__ = [
    "MEDIA_TYPE",
    "DocumentNotRenderable",
    "ExtraSection",
    "RenderedDocument",
    "TemplateError",
    "TemplateVariant",
    "formats",
    "missing_data",
    "render_document",
    "validate_variant",
    "variant_from_definition",
]

MEDIA_TYPE = {
    DocumentFormat.PDF: "application/pdf",
    DocumentFormat.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    DocumentFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# The tabular documents are also offered as spreadsheets (the C.1 workbook stays with
# the evaluation service's export).
XLSX_KINDS = frozenset({DocumentKind.RECTIFICATION_LEDGER, DocumentKind.TRAINING_RECORD})


def formats(kind: DocumentKind) -> list[DocumentFormat]:
    """The formats a kind is rendered in."""
    extra = [DocumentFormat.XLSX] if kind in XLSX_KINDS else []
    return [DocumentFormat.PDF, DocumentFormat.DOCX, *extra]


class DocumentNotRenderable(ValueError):
    """The facts lack what the document needs, the format is not offered for documents,
    or the variant is invalid; `problems` lists each (what is missing in English, the
    rest "中文 / English": the renderer's own failures, which reach no caller)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("；".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class RenderedDocument:
    content: bytes
    media_type: str
    filename: str
    page_count: int | None  # None for DOCX and XLSX: the editor lays out its own pages
    template: str  # which template made it, e.g. "stage_report/v1" or "stage_report/v1 · 清和版"


def missing_data(kind: DocumentKind, facts: EngagementFacts, meta: DocumentMeta) -> list[Message]:
    """What the document needs and the facts lack, each an English template the
    gateway says in the caller's language; empty when it can be rendered."""
    return KINDS[kind].missing(facts, meta)


def _main(kind: DocumentKind, version: int) -> Path:
    return Path(kind.value) / f"v{version}" / "main.typ"


def _with_variant(
    document: Document, variant: TemplateVariant, values: dict[str, str], logo: str
) -> Document:
    sections = [
        s.model_copy(update={"title": fill(variant.section_titles[s.key], values)})
        if s.key in variant.section_titles
        else s
        for s in document.sections
    ]
    for n, extra in enumerate(variant.extra_sections, 1):
        added = Section(
            key=f"extra_{n}",
            title=fill(extra.title, values),
            blocks=[*paragraphs(fill(extra.body, values))],
        )
        at = next((i + 1 for i, s in enumerate(sections) if s.key == extra.after), len(sections))
        sections.insert(at, added)
    return document.model_copy(
        update={
            "sections": sections,
            "letterhead": fill(variant.letterhead, values),
            "footer": fill(variant.footer, values),
            "logo": logo,
            "cover": document.cover.model_copy(
                update={"template": f"{document.cover.template} · {variant.name}"}
            ),
        }
    )


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
    kind: DocumentKind,
    fmt: DocumentFormat,
    facts: EngagementFacts,
    meta: DocumentMeta,
    variant: TemplateVariant | None = None,
) -> RenderedDocument:
    """The document as bytes; raises DocumentNotRenderable (what is missing or wrong)
    or TemplateError (a variant's Typst that does not compile)."""
    problems = [str(m) for m in missing_data(kind, facts, meta)]
    if fmt not in formats(kind):
        problems.append(
            f"{kind.value} 不以 {fmt.value} 格式生成 / {kind.value} is not rendered as {fmt.value}"
        )
    if variant is not None:
        if variant.kind != kind:
            problems.append(
                f"模板变体属于 {variant.kind.value} / the variant is for {variant.kind.value}"
            )
        problems += unknown_placeholders(variant)
    if problems:
        raise DocumentNotRenderable(problems)
    document = build_document(kind, facts, meta)
    version = KINDS[kind].version
    root, main = TEMPLATES, TEMPLATES / _main(kind, version)
    if variant is not None:
        version = variant.base_version
        root, main, logo = template_root(variant, TEMPLATES, lambda r: r / _main(kind, version))
        document = _with_variant(document, variant, placeholder_values(facts, meta), logo)
    name = filename(kind, meta, fmt)
    template = f"{kind.value}/v{version}" + (f" · {variant.name}" if variant else "")
    if fmt == DocumentFormat.PDF:
        pdf = compile_pdf(document, main, root)
        return RenderedDocument(pdf, MEDIA_TYPE[fmt], name, page_count(pdf), template)
    if fmt == DocumentFormat.XLSX:
        return RenderedDocument(write_xlsx(document), MEDIA_TYPE[fmt], name, None, template)
    docx = write_docx(document, variant.logo if variant else None)
    return RenderedDocument(docx, MEDIA_TYPE[fmt], name, None, template)


def validate_variant(variant: TemplateVariant) -> list[str]:
    """What is wrong with an agency's variant, each "中文 / English"; empty when it may be
    used: every placeholder known, every section key one the kind has, the base version
    one that exists, the logo an image, and the template compiling against sample facts
    in both formats."""
    from services.archive.documents.render.samples import month_period, sample_facts, sample_meta

    problems = unknown_placeholders(variant)
    kind = variant.kind
    if not (TEMPLATES / _main(kind, variant.base_version)).is_file():
        problems.append(
            f"{kind.value} 没有第{variant.base_version}版模板 / no template version "
            f"{variant.base_version} of {kind.value}"
        )
    if variant.logo is not None:
        if len(variant.logo) > MAX_LOGO_BYTES:
            problems.append("标志图片超过 1 MB / the logo is larger than 1 MB")
        if logo_suffix(variant.logo) is None:
            problems.append("标志须为 PNG 或 JPEG 图片 / the logo must be a PNG or JPEG image")
    facts = sample_facts()
    meta = sample_meta(month_period(4))
    keys = {s.key for s in build_document(kind, facts, meta).sections}
    for key in variant.section_titles:
        if key not in keys:
            problems.append(f"未知章节 {key} / unknown section {key}")
    for extra in variant.extra_sections:
        if extra.after is not None and extra.after not in keys:
            problems.append(
                f"未知章节 {extra.after}（extra section after）/ unknown section {extra.after}"
            )
    if problems:
        return problems
    for fmt in (DocumentFormat.PDF, DocumentFormat.DOCX):
        try:
            render_document(kind, fmt, facts, meta, variant)
        except TemplateError as e:
            problems.append(f"模板无法编译 / the template does not compile: {e}")
        except Exception as e:  # the DOCX writer or an image Word cannot read
            problems.append(f"模板无法生成 {fmt.value} / cannot render {fmt.value}: {e}")
    return problems
