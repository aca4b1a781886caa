"""Reading rendered PDFs back the way a reader's viewer does (PyMuPDF)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pymupdf


@dataclass
class ReadPdf:
    pages: list[str]  # text per page, whitespace removed (Typst spaces CJK from Latin)
    fonts: list[tuple[str, str, str]]  # (extension, type, base name) per embedded font
    notdef: int  # glyphs drawn with glyph id 0 (.notdef: a missing glyph)

    @property
    def text(self) -> str:
        return "".join(self.pages)


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def read_pdf(content: bytes) -> ReadPdf:
    doc = pymupdf.open(stream=content, filetype="pdf")
    fonts: dict[str, tuple[str, str, str]] = {}
    notdef = 0
    pages = []
    for page in doc:
        pages.append(squeeze(page.get_text()))
        for xref, ext, ftype, name, *_ in page.get_fonts(full=True):
            fonts[str(xref)] = (ext, ftype, name)
        for span in page.get_texttrace():
            notdef += sum(1 for char in span["chars"] if char[1] == 0)
    return ReadPdf(pages=pages, fonts=list(fonts.values()), notdef=notdef)
