"""Import files for the tests: CSV in an encoding, or XLSX, from rows of cells."""

from __future__ import annotations

import csv
import io

import openpyxl

from contracts.engagement.rpc_import import COLUMNS, PERMIT_COLUMNS

HEADER = [c.zh for c in COLUMNS]


def unit_row(uscc: str, name: str = "某某化工有限公司", **cells: str) -> dict[str, str]:
    """The cells of a good row (keys as in COLUMNS), overridden by `cells`."""
    return {
        "name": name,
        "uscc": uscc,
        "industryCode": "C2614",
        "address": "江苏省苏州市吴中区某路1号",
        "outlets": "DA001 锅炉废气排放口；DW001 废水总排口",
        "contactName": "李四",
        "contactPhone": "0512-12345678",
        **cells,
    }


def table(rows: list[dict[str, str]], header: list[str] | None = None) -> list[list[str]]:
    keys = [c.key for c in COLUMNS]
    return [header or HEADER, *[[r.get(k, "") for k in keys] for r in rows]]


def csv_bytes(rows: list[list[str]], encoding: str = "utf-8-sig") -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list[str]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for r in rows:
        sheet.append(r)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


PERMIT_HEADER = [c.zh for c in PERMIT_COLUMNS]


def permit_row(uscc: str, number: str, **cells: str) -> dict[str, str]:
    """The cells of a good permit row (keys as in PERMIT_COLUMNS), overridden by `cells`."""
    return {
        "uscc": uscc,
        "permitNumber": number,
        "permitAuthority": "苏州市生态环境局",
        "permitCategory": "重点管理",
        "permitValidFrom": "2024-01-01",
        "permitValidTo": "2028-12-31",
        **cells,
    }


def permit_table(rows: list[dict[str, str]]) -> list[list[str]]:
    keys = [c.key for c in PERMIT_COLUMNS]
    return [PERMIT_HEADER, *[[r.get(k, "") for k in keys] for r in rows]]


def workbook(units: list[list[str]], permits: list[list[str]], title: str = "排污许可证") -> bytes:
    """Units on the first sheet, permits on a sheet titled `title`."""
    book = openpyxl.Workbook()
    first = book.active
    assert first is not None
    first.title = "排污单位"
    for r in units:
        first.append(r)
    sheet = book.create_sheet(title)
    for r in permits:
        sheet.append(r)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
