"""Reading an import file into rows of cells keyed by column. No I/O beyond the bytes.

CSV comes as UTF-8 (with or without the BOM Excel writes) or as GB18030, which Chinese
Excel writes when saving "CSV (逗号分隔)"; UTF-8 is tried first because GB18030 would
decode almost any bytes into the wrong characters. XLSX is read from its first sheet.
A file that cannot be read, or whose header is not the template's, is refused whole
(ValidationFailed on the `file` field); rows are checked one by one later.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

from contracts.core import ValidationFailed
from contracts.engagement.rpc_import import COLUMNS, MAX_ROWS

_BY_HEADER = {
    **{c.zh: c.key for c in COLUMNS},
    **{c.key.casefold(): c.key for c in COLUMNS},
}


@dataclass(frozen=True)
class FileRow:
    number: int
    """Spreadsheet row number: the header is row 1, the first data row 2."""
    cells: dict[str, str]


@dataclass(frozen=True)
class ImportFile:
    columns: list[str]
    rows: list[FileRow]


def read(file_name: str, content: bytes) -> ImportFile:
    """The rows of a .csv or .xlsx file, blank rows left out."""
    kind = file_name.rsplit(".", 1)[-1].casefold() if "." in file_name else ""
    if kind == "csv":
        table = _csv_rows(content)
    elif kind == "xlsx":
        table = _xlsx_rows(content)
    else:
        raise ValidationFailed(
            "the file must be .xlsx or .csv, got {name}", field="file", params={"name": file_name}
        )
    header = next(table, None)
    if header is None:
        raise ValidationFailed("the file is empty: it has no header row", field="file")
    columns = _columns(header)
    rows = []
    for number, values in enumerate(table, start=2):
        cells = {key: values[i].strip() for i, key in enumerate(columns) if i < len(values)}
        if any(cells.values()):
            rows.append(FileRow(number, cells))
            if len(rows) > MAX_ROWS:
                raise ValidationFailed(
                    "the file has more than {max} rows", field="file", params={"max": MAX_ROWS}
                )
    return ImportFile([c for c in columns if c], rows)


def _columns(header: list[str]) -> list[str]:
    """The key of each header cell ('' for a blank trailing one); unknown, repeated or
    missing required columns refuse the file."""
    keys: list[str] = []
    unknown: list[str] = []
    for text in header:
        name = text.strip().lstrip("*").rstrip("*").strip()
        key = _BY_HEADER.get(name) or _BY_HEADER.get(name.casefold(), "")
        if name and not key:
            unknown.append(name)
        keys.append(key)
    if unknown:
        raise ValidationFailed(
            "unknown columns: {columns}", field="file", params={"columns": unknown}
        )
    present = [k for k in keys if k]
    if repeated := sorted({k for k in present if present.count(k) > 1}):
        names = [c.zh for c in COLUMNS if c.key in repeated]
        raise ValidationFailed(
            "columns given twice: {columns}", field="file", params={"columns": names}
        )
    if missing := [c.zh for c in COLUMNS if c.required and c.key not in present]:
        raise ValidationFailed(
            "required columns missing: {columns}", field="file", params={"columns": missing}
        )
    return keys


def _csv_rows(content: bytes) -> Iterator[list[str]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
        except UnicodeDecodeError:
            continue
        return iter(list(csv.reader(io.StringIO(text, newline=""))))
    raise ValidationFailed("the CSV file is neither UTF-8 nor GB18030 text", field="file")


def _xlsx_rows(content: bytes) -> Iterator[list[str]]:
    import openpyxl  # only an XLSX import pays for loading it

    try:
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise ValidationFailed("the file is not a readable XLSX workbook", field="file") from None
    try:
        sheet = book.worksheets[0]
        rows = [[_cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        book.close()
    return iter(rows)


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
