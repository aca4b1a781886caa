"""Import files for the tests: CSV in an encoding, or XLSX, from rows of cells."""

from __future__ import annotations

import csv
import io

import openpyxl

from contracts.engagement.rpc_import import COLUMNS

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
