"""Typed errors of generated documents."""

from __future__ import annotations

import strawberry

from gateway.errors import Error


@strawberry.type(
    description="The recorded data cannot fill the document yet; `missing` says what to "
    "record first. No job was queued."
)
class DocumentDataMissing(Error):
    missing: list[str]


@strawberry.type(description="This kind of document does not come in that format.")
class DocumentFormatNotOffered(Error):
    field: str | None
    offered: list[str] = strawberry.field(description="The formats it comes in (pdf, docx, xlsx).")


@strawberry.type(description="Your agency has no template variant of that name for that kind.")
class DocumentTemplateNotFound(Error):
    field: str | None


@strawberry.type(description="The template variant was refused; `problems` lists every one.")
class InvalidDocumentTemplate(Error):
    problems: list[str]
