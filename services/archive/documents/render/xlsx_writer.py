"""XLSX for the tabular documents (整改台账, 宣传培训记录): the model's label–value
fields on a first sheet `概况`, then each table on a sheet named after its section,
header row frozen and bold.

Every text lands as a string cell, never a formula: findings and names come from
users, and a text such as `=HYPERLINK(…)` would otherwise run in whoever opens the
file. A text starting with `= + - @`, a tab or a carriage return gets a leading
apostrophe (OWASP's advice), and characters the XML cannot hold are dropped.
"""

from __future__ import annotations

import re
from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from kit.spreadsheet import neutralise
from services.archive.documents.render.model import Cell, Document, Fields, Table

_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def _append(sheet: object, values: list[str]) -> None:
    sheet.append([neutralise(v) for v in values])  # type: ignore[attr-defined]
    for cell in sheet[sheet.max_row]:  # type: ignore[index, attr-defined]
        cell.data_type = "s"
        cell.alignment = Alignment(wrap_text=True, vertical="top")


def _sheet_title(title: str, taken: set[str]) -> str:
    base = _SHEET_NAME_FORBIDDEN.sub("_", title)[:28] or "表"
    name, n = base, 2
    while name in taken:
        name, n = f"{base}{n}", n + 1
    taken.add(name)
    return name


def write_xlsx(document: Document) -> bytes:
    wb = Workbook()
    summary = wb.active
    assert summary is not None
    summary.title = "概况"
    c = document.cover
    for label, value in (
        ("文件", c.title),
        ("排污单位", c.unit),
        ("服务单位", c.agency),
        ("期间", c.period),
        ("文件编号", c.document_number),
        ("编制日期", c.date),
    ):
        _append(summary, [label, value])
    taken = {"概况"}
    for section in document.sections:
        for block in section.blocks:
            if isinstance(block, Fields):
                for label, value in block.pairs:
                    _append(summary, [label, value])
            elif isinstance(block, Table):
                sheet = wb.create_sheet(_sheet_title(section.title, taken))
                _append(sheet, block.headers)
                for cell in sheet[1]:
                    cell.font = Font(bold=True)
                sheet.freeze_panes = "A2"
                for row in block.rows:
                    _append(sheet, [v.text if isinstance(v, Cell) else v for v in row])
                for i, width in enumerate(block.widths):
                    letter = sheet.cell(row=1, column=i + 1).column_letter
                    sheet.column_dimensions[letter].width = max(8, width * 6)
    summary.column_dimensions["A"].width = 16
    summary.column_dimensions["B"].width = 60
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
