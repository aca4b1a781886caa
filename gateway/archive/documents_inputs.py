"""The inputs of generated documents' mutations."""

from __future__ import annotations

from datetime import date

import strawberry
from strawberry.scalars import JSON

from gateway.archive.documents_types import DocumentFormat, DocumentKind


@strawberry.input(description="The period a document covers, both days included.")
class DocumentPeriodInput:
    start: date
    end: date


@strawberry.input(
    description="Generate a document from the recorded data; it is filed into the archive "
    "as the next version of its series (engagement, kind, format, period)."
)
class GenerateDocumentInput:
    engagement_id: strawberry.ID
    kind: DocumentKind  # type: ignore[valid-type]
    format: DocumentFormat  # type: ignore[valid-type]
    period: DocumentPeriodInput | None = strawberry.field(
        default=None, description="Default: the whole engagement."
    )
    template: str | None = strawberry.field(
        default=None, description="The name of one of your agency's variants; default: standard."
    )


@strawberry.input(
    description="An agency's variant of a kind's template (letterhead, logo, extra "
    "sections); registering a name again adds its next version."
)
class RegisterDocumentTemplateInput:
    kind: DocumentKind  # type: ignore[valid-type]
    name: str
    definition: JSON = strawberry.field(
        description="The variant as the renderer reads it (docs/documents.md)."
    )
