"""The one place the pipeline calls the renderer (`documents/render/`): what data a
document still lacks, a template variant's problems, and the rendering itself."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from contracts.archive.documents import DocumentFormat, DocumentKind, DocumentMeta, EngagementFacts
from services.archive.documents.render import (
    RenderedDocument,
    TemplateVariant,
    missing_data,
    render_document,
    validate_variant,
)

STANDARD_TEMPLATE = "standard"

__all__ = ["STANDARD_TEMPLATE", "RenderedDocument", "missing", "problems", "render", "variant"]


def missing(kind: DocumentKind, facts: EngagementFacts, meta: DocumentMeta) -> list[str]:
    return missing_data(kind, facts, meta)


def variant(kind: DocumentKind, name: str, definition: dict[str, Any]) -> TemplateVariant:
    """The stored definition as the renderer's variant (it was validated when stored)."""
    return TemplateVariant.model_validate({**definition, "kind": kind, "name": name})


def problems(kind: DocumentKind, name: str, definition: dict[str, Any]) -> list[str]:
    """Everything wrong with a variant, [] when the renderer accepts it: its shape first,
    then what the renderer checks (every placeholder known, …)."""
    try:
        built = variant(kind, name, definition)
    except ValidationError as exc:
        return [
            f"{'.'.join(str(p) for p in error['loc']) or 'definition'}: {error['msg']}"
            for error in exc.errors()
        ]
    return validate_variant(built)


def render(
    kind: DocumentKind,
    fmt: DocumentFormat,
    facts: EngagementFacts,
    meta: DocumentMeta,
    chosen: TemplateVariant | None,
) -> RenderedDocument:
    """Blocking (CPU-bound): the worker runs it in a thread."""
    return render_document(kind, fmt, facts, meta, variant=chosen)
