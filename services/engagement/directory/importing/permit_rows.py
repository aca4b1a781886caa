"""Rules of a permit row (the 排污许可证 sheet): each cell checked with the rules
registerPermit applies (contracts.compliance.permits), duplicates within the file, and
each permit tied to its unit's row. No I/O.

A permit row with a problem refuses its unit's row too: an agency importing a unit
with its permits gets all of it or none of it, and fixes the file in one pass.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from contracts.compliance import permits as rules
from contracts.compliance.enums import Frequency
from contracts.core import Message
from contracts.engagement.event_data import ImportedPermit
from contracts.engagement.rpc_import import PERMIT_COLUMNS, PERMITS_SHEET, RowProblem
from services.engagement.directory import uscc
from services.engagement.directory.importing.reader import FileRow

_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_LIST = re.compile(r"[;；,，、\s]+")
_COLUMN_ORDER = {c.key: i for i, c in enumerate(PERMIT_COLUMNS)}


@dataclass
class CheckedPermits:
    by_uscc: dict[str, list[ImportedPermit]]
    """The good permits of each unit, in file order."""
    refused_by_uscc: dict[str, list[int]]
    """Per unit, its permit rows with a problem: the unit's row is refused for them."""
    problems: list[RowProblem]
    rejected_rows: int


def check(rows: list[FileRow], units: set[str]) -> CheckedPermits:
    """Every permit row on its own, then permit numbers repeated within the file (every
    row with one, naming the others). `units`: the USCCs of the units sheet."""
    good: list[tuple[str, ImportedPermit]] = []
    problems: list[RowProblem] = []
    refused: dict[str, list[int]] = {}
    rejected: set[int] = set()
    for r in rows:
        code, permit, found = check_row(r, units)
        problems.extend(found)
        if permit is None:
            rejected.add(r.number)
            if code in units:
                refused.setdefault(code, []).append(r.number)
        else:
            good.append((code, permit))
    by_number: dict[str, list[int]] = {}
    for _, p in good:
        by_number.setdefault(p.number, []).append(p.row)
    for number, numbers in by_number.items():
        if len(numbers) < 2:
            continue
        for n in numbers:
            others = [str(m) for m in numbers if m != n]
            said = Message(
                "permit {number} is also in rows {rows}", {"number": number, "rows": others}
            )
            problems.append(problem(n, "permitNumber", "duplicate_in_file", said))
            rejected.add(n)
    by_uscc: dict[str, list[ImportedPermit]] = {}
    for code, p in good:
        if p.row in rejected:
            refused.setdefault(code, []).append(p.row)
        else:
            by_uscc.setdefault(code, []).append(p)
    problems.sort(key=lambda p: (p.row, _COLUMN_ORDER.get(p.column or "", -1)))
    return CheckedPermits(by_uscc, refused, problems, len(rejected))


def check_row(r: FileRow, units: set[str]) -> tuple[str, ImportedPermit | None, list[RowProblem]]:
    """The row's unit (normalized USCC) and its permit, or the row's problems."""
    cells, n = r.cells, r.number
    found: list[RowProblem] = []

    def bad(column: str, message: Message, code: str = "invalid") -> None:
        found.append(problem(n, column, code, message))

    for c in PERMIT_COLUMNS:
        if c.required and not cells.get(c.key):
            bad(c.key, Message("this column is required"), "required")
    code = uscc.normalize(cells.get("uscc", ""))
    if code and code not in units:
        said = Message("no row of the units sheet has 统一社会信用代码 {uscc}", {"uscc": code})
        bad("uscc", said, "unknown_unit")
    number = cells.get("permitNumber", "")
    if number and (refused := rules.number_problem(number)):
        bad("permitNumber", refused)
    authority = cells.get("permitAuthority", "")
    if len(authority) > rules.AUTHORITY_MAX:
        bad("permitAuthority", Message("at most {max} characters", {"max": rules.AUTHORITY_MAX}))
    category = None
    if text := cells.get("permitCategory", ""):
        category = rules.category(text)
        if category is None:
            bad(
                "permitCategory",
                Message("管理类别 is 重点管理, 简化管理 or 登记管理, not {value}", {"value": text}),
            )
    valid_from = _date(cells.get("permitValidFrom", ""), "permitValidFrom", bad)
    valid_to = _date(cells.get("permitValidTo", ""), "permitValidTo", bad)
    if valid_from and valid_to and (refused := rules.validity_problem(valid_from, valid_to)):
        bad("permitValidTo", refused)
    frequencies = _reports(cells.get("permitReports", ""), bad)

    if found or category is None or valid_from is None or valid_to is None:
        return code, None, found
    permit = ImportedPermit(
        row=n,
        number=number,
        authority=authority,
        category=category,
        valid_from=valid_from,
        valid_to=valid_to,
        report_frequencies=frequencies,
    )
    return code, permit, []


def _date(text: str, column: str, bad: Callable[[str, Message], None]) -> date | None:
    """2024-01-01, 2024/1/1, 2024.1.1 or 2024年1月1日 (a date cell reads as ISO)."""
    if not text:
        return None
    match = _DATE.match(text.strip())
    if match:
        try:
            return date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            pass
    bad(column, Message("not a date such as 2024-01-01: {value}", {"value": text}))
    return None


def _reports(text: str, bad: Callable[[str, Message], None]) -> list[Frequency] | None:
    """年报；季报 as the permit's execution reports; blank: the category's default."""
    entries = [e for e in _LIST.split(text.strip()) if e]
    if not entries:
        return None
    frequencies = []
    for entry in entries:
        frequency = rules.report_frequency(entry)
        if frequency is None:
            said = Message(
                "not an execution report frequency (月报, 季报, 半年报 or 年报): {value}",
                {"value": entry},
            )
            bad("permitReports", said)
        else:
            frequencies.append(frequency)
    if len(frequencies) == len(entries) and (refused := rules.schedule_problem(frequencies)):
        bad("permitReports", refused)
    return frequencies


def problem(row: int, column: str | None, code: str, message: Message) -> RowProblem:
    return RowProblem(
        sheet=PERMITS_SHEET,
        row=row,
        column=column,
        code=code,
        template=message.template,
        params=message.params,
    )
