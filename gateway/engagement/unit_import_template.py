"""The import template: an empty workbook (or CSV) with the columns the import reads,
required ones marked `*`, a sheet 排污许可证 for the units' permits (one row per permit,
keyed by the unit's USCC; for CSV a file of its own) and a sheet saying what each cell
holds. Built from contracts/engagement/rpc_import.COLUMNS and PERMIT_COLUMNS, so the
template and the reader cannot drift."""

from __future__ import annotations

import csv
import io

from contracts.engagement.rpc_import import (
    COLUMNS,
    PERMIT_COLUMNS,
    PERMITS_SHEET_TITLE,
    ImportColumn,
)

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
PERMIT_EXAMPLE = {
    "uscc": "91320506MA1M9XK3DE",
    "permitNumber": "91320506MA1M9XK3DE001P",
    "permitAuthority": "苏州市生态环境局",
    "permitCategory": "重点管理",
    "permitValidFrom": "2024-01-01",
    "permitValidTo": "2028-12-31",
    "permitReports": "年报；季报",
}


def headers(columns: tuple[ImportColumn, ...] = COLUMNS) -> list[str]:
    return [f"{c.zh}*" if c.required else c.zh for c in columns]


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
    permits = book.create_sheet(PERMITS_SHEET_TITLE)
    permits.append(headers(PERMIT_COLUMNS))
    for cell in permits[1]:
        cell.font = Font(bold=True)
    for i, c in enumerate(PERMIT_COLUMNS, start=1):
        letter = openpyxl.utils.get_column_letter(i)
        permits.column_dimensions[letter].width = max(12, len(c.zh) * 3)
    notes = book.create_sheet("填写说明")
    notes.append(["列名", "English", "必填", "说明", "示例"])
    for c in COLUMNS:
        notes.append([c.zh, c.key, "是" if c.required else "", c.note, EXAMPLE.get(c.key, "")])
    notes.append([])
    notes.append([f"工作表“{PERMITS_SHEET_TITLE}”：每张许可证一行，按统一社会信用代码对应单位"])
    for c in PERMIT_COLUMNS:
        example = PERMIT_EXAMPLE.get(c.key, "")
        notes.append([c.zh, c.key, "是" if c.required else "", c.note, example])
    notes.append([])
    notes.append(
        [
            "单位读取第一个工作表，许可证读取名为“排污许可证”的工作表（可不填）；空行跳过；"
            "列的顺序不限，列名可用中文或英文。某单位的许可证有误时，该单位整行不导入。"
        ]
    )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_text(columns: tuple[ImportColumn, ...] = COLUMNS) -> bytes:
    """UTF-8 with a BOM: Excel opens it with the Chinese headers intact. The permits'
    template is a CSV of its own (PERMIT_COLUMNS), imported beside the units' file."""
    out = io.StringIO()
    csv.writer(out).writerow(headers(columns))
    return ("\ufeff" + out.getvalue()).encode("utf-8")
