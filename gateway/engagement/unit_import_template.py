"""The import template: an empty workbook (or CSV) with the columns the import reads,
required ones marked `*`, and a second sheet saying what each cell holds. Built from
contracts/engagement/rpc_import.COLUMNS, so the template and the reader cannot drift."""

from __future__ import annotations

import csv
import io

from contracts.engagement.rpc_import import COLUMNS

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"
EXAMPLE = {
    "name": "示例化工有限公司",
    "uscc": "91320506MA1M9XK3DE",
    "industryCode": "C2614",
    "address": "江苏省苏州市吴中区示例路1号",
    "outlets": "DA001 锅炉废气排放口；DW001 废水总排口",
    "contactName": "李四",
    "contactPhone": "0512-12345678",
}


def headers() -> list[str]:
    return [f"{c.zh}*" if c.required else c.zh for c in COLUMNS]


def xlsx() -> bytes:
    import openpyxl
    from openpyxl.styles import Font

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook has its sheet
    sheet.title = "排污单位"
    sheet.append(headers())
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for i, c in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[openpyxl.utils.get_column_letter(i)].width = max(12, len(c.zh) * 3)
    notes = book.create_sheet("填写说明")
    notes.append(["列名", "English", "必填", "说明", "示例"])
    for c in COLUMNS:
        notes.append([c.zh, c.key, "是" if c.required else "", c.note, EXAMPLE.get(c.key, "")])
    notes.append([])
    notes.append(["只读取第一个工作表；空行跳过；列的顺序不限，列名可用中文或英文。"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_text() -> bytes:
    """UTF-8 with a BOM: Excel opens it with the Chinese headers intact."""
    out = io.StringIO()
    csv.writer(out).writerow(headers())
    return ("\ufeff" + out.getvalue()).encode("utf-8")
