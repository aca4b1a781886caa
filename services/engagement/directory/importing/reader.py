"""Reading an import file into rows of cells keyed by column. No I/O beyond the bytes.

CSV comes as UTF-8 (with or without the BOM Excel writes) or as GB18030, which Chinese
Excel writes when saving "CSV (逗号分隔)"; UTF-8 is tried first because GB18030 would
decode almost any bytes into the wrong characters. XLSX is read from its first sheet.
A file that cannot be read, or whose header is not the template's, is refused whole
(ValidationFailed on the `file` field); rows are checked one by one later.

The permits are a second table with their own columns (PERMIT_COLUMNS): the XLSX
sheet titled 排污许可证 (or `permits`), or a file of their own (a CSV beside a CSV of
units); a problem with that table is refused on the `permits` field.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from contracts.core import ValidationFailed
from contracts.engagement.rpc_import import (
    COLUMNS,
    MAX_ROWS,
    PERMIT_COLUMNS,
    PERMITS_SHEET,
    PERMITS_SHEET_TITLE,
    ImportColumn,
)

_SHEET_TITLES = {PERMITS_SHEET_TITLE, PERMITS_SHEET}


@dataclass(frozen=True)
class FileRow:
    number: int
    """Spreadsheet row number: the header is row 1, the first data row 2."""
    cells: dict[str, str]


@dataclass(frozen=True)
class ImportFile:
    columns: list[str]
    rows: list[FileRow]
    permit_rows: list[FileRow] = field(default_factory=list)
    """The permits' table; empty when the file has none."""


def read(file_name: str, content: bytes, permits: tuple[str, bytes] | None = None) -> ImportFile:
    """The rows of a .csv or .xlsx file, blank rows left out, with the permits of its
    排污许可证 sheet or of the separate `permits` file (name, bytes)."""
    kind = _kind(file_name, "file")
    if kind == "csv":
        tables = [_csv_rows(content, "file")]
    else:
        tables = _xlsx_sheets(content, "file", with_permits=True)
    units = _rows(tables[0], COLUMNS, "file")
    permit_table = tables[1] if len(tables) > 1 else None
    if permits is not None:
        if permit_table is not None:
            raise ValidationFailed(
                "the permits are given twice: in the workbook's sheet and as a file",
                field="permits",
            )
        name, data = permits
        if _kind(name, "permits") == "csv":
            permit_table = _csv_rows(data, "permits")
        else:
            permit_table = _xlsx_sheets(data, "permits", with_permits=False)[0]
    permit_rows = [] if permit_table is None else _rows(permit_table, PERMIT_COLUMNS, "permits")[1]
    return ImportFile(units[0], units[1], permit_rows)


def _kind(file_name: str, where: str) -> str:
    kind = file_name.rsplit(".", 1)[-1].casefold() if "." in file_name else ""
    if kind not in ("csv", "xlsx"):
        raise ValidationFailed(
            "the file must be .xlsx or .csv, got {name}", field=where, params={"name": file_name}
        )
    return kind


def _rows(
    table: Iterator[list[str]], known: Sequence[ImportColumn], where: str
) -> tuple[list[str], list[FileRow]]:
    header = next(table, None)
    if header is None and where == "permits":
        return [], []  # a blank permits sheet: no permits
    if header is None:
        raise ValidationFailed("the file is empty: it has no header row", field=where)
    columns = _columns(header, known, where)
    rows = []
    for number, values in enumerate(table, start=2):
        cells = {key: values[i].strip() for i, key in enumerate(columns) if i < len(values)}
        if any(cells.values()):
            rows.append(FileRow(number, cells))
            if len(rows) > MAX_ROWS:
                raise ValidationFailed(
                    "the file has more than {max} rows", field=where, params={"max": MAX_ROWS}
                )
    return [c for c in columns if c], rows


def _columns(header: list[str], known: Sequence[ImportColumn], where: str) -> list[str]:
    """The key of each header cell ('' for a blank trailing one); unknown, repeated or
    missing required columns refuse the file."""
    by_header = {**{c.zh: c.key for c in known}, **{c.key.casefold(): c.key for c in known}}
    keys: list[str] = []
    unknown: list[str] = []
    for text in header:
        name = text.strip().lstrip("*").rstrip("*").strip()
        key = by_header.get(name) or by_header.get(name.casefold(), "")
        if name and not key:
            unknown.append(name)
        keys.append(key)
    if unknown:
        raise ValidationFailed(
            "unknown columns: {columns}", field=where, params={"columns": unknown}
        )
    present = [k for k in keys if k]
    if repeated := sorted({k for k in present if present.count(k) > 1}):
        names = [c.zh for c in known if c.key in repeated]
        raise ValidationFailed(
            "columns given twice: {columns}", field=where, params={"columns": names}
        )
    if missing := [c.zh for c in known if c.required and c.key not in present]:
        raise ValidationFailed(
            "required columns missing: {columns}", field=where, params={"columns": missing}
        )
    return keys


def _csv_rows(content: bytes, where: str) -> Iterator[list[str]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
        except UnicodeDecodeError:
            continue
        return iter(list(csv.reader(io.StringIO(text, newline=""))))
    raise ValidationFailed("the CSV file is neither UTF-8 nor GB18030 text", field=where)


def _xlsx_sheets(content: bytes, where: str, *, with_permits: bool) -> list[Iterator[list[str]]]:
    """The first sheet's rows, and with_permits those of the 排污许可证 sheet if any."""
    import openpyxl  # only an XLSX import pays for loading it

    try:
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise ValidationFailed("the file is not a readable XLSX workbook", field=where) from None
    try:
        sheets = [book.worksheets[0]]
        if with_permits:
            sheets += [
                s
                for s in book.worksheets[1:]
                if s.title.strip() in _SHEET_TITLES or s.title.strip().casefold() in _SHEET_TITLES
            ][:1]
        tables = [
            iter([[_cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)])
            for sheet in sheets
        ]
    finally:
        book.close()
    return tables


def _cell_text(value: object) -> str:
    """A cell as the user sees it: numbers without a trailing .0, dates as ISO dates."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
