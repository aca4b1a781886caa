"""The one place the pipeline calls the renderer (`documents/render/`): which kinds and
formats it renders, what data a document still lacks, and the rendering itself; and the
shape of an agency's template variant, checked before it is stored."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from contracts.archive.documents import DocumentFormat, DocumentKind, DocumentMeta, EngagementFacts
from contracts.core import Message
from kit.validation import message_of
from services.archive.documents.render import (
    RenderedDocument,
    TemplateVariant,
    formats,
    missing_data,
    render_document,
    variant_from_definition,
)
from services.archive.documents.render.kinds import KINDS

STANDARD_TEMPLATE = "standard"
# The placeholders a variant's text may use, filled from the facts.
PLACEHOLDERS = frozenset({"unit_name", "agency_name", "document_number", "period"})

__all__ = [
    "STANDARD_TEMPLATE",
    "Problem",
    "RenderedDocument",
    "TemplateVariant",
    "available",
    "missing",
    "problems",
    "render",
    "variant",
]


def available(kind: DocumentKind, fmt: DocumentFormat) -> bool:
    """Whether the renderer builds this kind in this format yet."""
    return kind in KINDS and fmt in formats(kind)


def missing(kind: DocumentKind, facts: EngagementFacts, meta: DocumentMeta) -> list[Message]:
    return missing_data(kind, facts, meta)


class ExtraSection(BaseModel):
    model_config = ConfigDict(extra="forbid")
    heading: str = Field(min_length=1, max_length=100)
    body: str = Field(max_length=20_000)


class VariantDefinition(BaseModel):
    """What an agency may change of a kind's template: its letterhead and footer lines
    and sections appended to the standard's."""

    model_config = ConfigDict(extra="forbid")
    letterhead: str | None = Field(default=None, max_length=200)
    footer: str | None = Field(default=None, max_length=200)
    extra_sections: list[ExtraSection] = Field(default_factory=list, max_length=20)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a variant: where in the definition (a path, the same in
    every language; None for the whole) and what, as a template the gateway says."""

    at: str | None
    said: Message

    def __str__(self) -> str:
        return f"{self.at}: {self.said}" if self.at else str(self.said)

    def to_dict(self) -> dict[str, Any]:
        return {**self.said.to_dict(), "at": self.at}


def problems(kind: DocumentKind, name: str, definition: dict[str, Any]) -> list[Problem]:
    """Everything wrong with a variant, [] when it may be stored: its shape, then every
    placeholder ({{ name }}) it uses must be one the renderer fills."""
    try:
        variant = VariantDefinition.model_validate(definition)
    except ValidationError as exc:
        return [
            Problem(".".join(str(p) for p in error["loc"]) or "definition", message_of(error))
            for error in exc.errors()
        ]
    texts = [variant.letterhead or "", variant.footer or ""]
    texts += [t for s in variant.extra_sections for t in (s.heading, s.body)]
    unknown = sorted({p for t in texts for p in re.findall(r"{{\s*(\w+)\s*}}", t)} - PLACEHOLDERS)
    return [
        Problem(None, Message("unknown placeholder {{{{ {name} }}}}", {"name": p})) for p in unknown
    ]


def variant(
    kind: DocumentKind, name: str, version: int, definition: dict[str, Any]
) -> TemplateVariant:
    """The renderer's variant for a stored definition (letterhead, footer, sections)."""
    return variant_from_definition(kind, name, version, definition)


def render(
    kind: DocumentKind,
    fmt: DocumentFormat,
    facts: EngagementFacts,
    meta: DocumentMeta,
    template: TemplateVariant | None = None,
) -> RenderedDocument:
    """Blocking (CPU-bound): the worker runs it in a thread."""
    return render_document(kind, fmt, facts, meta, template)
