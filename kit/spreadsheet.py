"""Spreadsheet cells that stay data: a text a user typed (a unit's or agency's name)
must never run as a formula in whoever opens the file (CSV/formula injection).

A text starting with `= + - @`, a tab or a carriage return gets a leading apostrophe,
as OWASP recommends, characters the XML cannot hold are dropped, and every text cell is
pinned to a string cell. Every workbook ecohost writes uses it: the C.1 table
(services/evaluation/export_xlsx.py), the documents (services/archive/documents/render/
xlsx_writer.py) and the gateway's reports."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

Cell = str | int | float | Decimal | None


def neutralise(text: str) -> str:
    """The text as a spreadsheet shows it literally: never a formula."""
    text = ILLEGAL_CHARACTERS_RE.sub("", text)
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def append_row(sheet: Any, values: list[Cell]) -> None:
    """Append one row: texts neutralised and pinned to string cells, numbers as numbers
    (a Decimal as a float at this very edge, so a spreadsheet can add them)."""
    sheet.append(
        [
            neutralise(v) if isinstance(v, str) else float(v) if isinstance(v, Decimal) else v
            for v in values
        ]
    )
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"
