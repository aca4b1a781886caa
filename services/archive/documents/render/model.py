"""The document model: what a generated document says, before it is a PDF or a DOCX.

Every kind's builder turns `EngagementFacts` into one `Document`; the Typst template
reads it as JSON (`sys.inputs`) and the DOCX writer walks it. So both formats say the
same thing, and user text only ever travels as data: a unit name such as `#sys.exit()`
stays a string in the JSON and is typeset as text, never evaluated as markup.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Cell(_Model):
    """A table cell that spans rows or columns or stands out; plain cells are strings."""

    text: str
    rowspan: int = 1
    colspan: int = 1
    strong: bool = False


class Paragraph(_Model):
    type: Literal["paragraph"] = "paragraph"
    text: str


class Pending(_Model):
    """A part the recorded data cannot fill: shown marked for the author (待填写)."""

    type: Literal["pending"] = "pending"
    text: str


class Fields(_Model):
    """Label–value pairs, typeset as a two-column grid."""

    type: Literal["fields"] = "fields"
    pairs: list[tuple[str, str]]


class Bullets(_Model):
    type: Literal["bullets"] = "bullets"
    items: list[str]


class Table(_Model):
    """A table whose header row repeats on every page it runs across."""

    type: Literal["table"] = "table"
    headers: list[str]
    widths: list[float] = Field(description="Relative column widths, one per header.")
    rows: list[list[str | Cell]]
    caption: str = ""
    numeric: list[int] = Field(default_factory=list, description="Right-aligned columns.")


Block = Annotated[Paragraph | Pending | Fields | Bullets | Table, Field(discriminator="type")]


class Section(_Model):
    """A numbered heading (level 1 or 2) with its blocks; `key` names it for variants."""

    key: str
    title: str
    level: int = 1
    blocks: list[Block] = Field(default_factory=list)


class Cover(_Model):
    """封面: what the cover page shows."""

    title: str
    subtitle: str = ""
    unit: str
    agency: str
    period: str
    document_number: str
    date: str
    template: str = Field(description="Template and version the document came from.")


class Document(_Model):
    kind: str
    cover: Cover
    sections: list[Section]
    landscape: bool = False
    letterhead: str = ""
    footer: str = Field(default="", description="A line above the page number.")
    logo: str = Field(default="", description="Path of the logo inside the template root.")
    outline: bool = True
