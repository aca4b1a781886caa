"""Reading a rendered DOCX back with python-docx, as Word would structure it."""

from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO

import docx


@dataclass
class ReadDocx:
    headings: list[tuple[str, str]]  # (style name, text)
    tables: list[list[list[str]]]  # rows of cell texts per table
    text: str
    repeating_header_tables: int


def read_docx(content: bytes) -> ReadDocx:
    d = docx.Document(BytesIO(content))
    styled = [(p.style.name if p.style else "", p.text) for p in d.paragraphs]
    headings = [(style, text) for style, text in styled if style.startswith("Heading")]
    tables = [[[c.text for c in row.cells] for row in t.rows] for t in d.tables]
    repeating = sum(
        1
        for t in d.tables
        if t.rows and t.rows[0]._tr.trPr is not None and "tblHeader" in t.rows[0]._tr.trPr.xml
    )
    body = "\n".join(p.text for p in d.paragraphs)
    cells = "\n".join(c for t in tables for row in t for c in row)
    return ReadDocx(headings, tables, body + "\n" + cells, repeating)
