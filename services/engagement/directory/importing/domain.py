"""Rules of an import row: each cell checked, the row turned into a unit to create, and a
unit already in the directory compared with its row. No I/O.

A row is all or nothing: one problem and none of its cells is imported. Every problem
of a row is reported at once (a user fixes the file in one pass), each with the row
number and the column.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from contracts.core import Message, ValidationFailed
from contracts.engagement.event_data import ImportedPermit
from contracts.engagement.rpc_directory import OUTLET_CODE
from contracts.engagement.rpc_import import COLUMNS, RowProblem
from services.engagement.directory import domain as directory
from services.engagement.directory import uscc
from services.engagement.directory.importing import permit_rows
from services.engagement.directory.importing.reader import FileRow

_Bad = Callable[..., None]
"""Reports a problem of the row: bad(column, message, code="invalid")."""
_LIMITS = {
    "name": 200,
    "address": 500,
    "legalRepresentative": 100,
    "contactName": 100,
    "contactTitle": 100,
    "contactEmail": 200,
}
# GB/T 2260: the provinces' two-digit prefixes (incl. Taiwan, Hong Kong, Macao).
_PROVINCES = frozenset(
    {"11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36"}
    | {"37", "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62"}
    | {"63", "64", "65", "71", "81", "82"}
)
_REGION = re.compile(r"^\d{6}$")
_OUTLET = re.compile(OUTLET_CODE)
_OUTLET_ENTRY = re.compile(r"^(\S+?)\s*[:：\s]\s*(.*)$")
_OUTLET_SEPARATORS = re.compile(r"[;；\n]")
_PHONE = re.compile(r"^\+?[0-9()（）\- ]{5,30}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class Contact:
    name: str
    title: str | None
    phone: str | None
    email: str | None


@dataclass(frozen=True)
class UnitRow:
    """A row that passed every check: what the import creates."""

    row: int
    name: str
    uscc: str
    industry_code: str
    address: str
    region_code: str
    legal_representative: str | None
    outlets: list[dict[str, str]]
    contact: Contact | None
    given: frozenset[str] = field(default_factory=frozenset)
    """The columns the row had a value in: only those are compared with a stored unit."""
    permits: tuple[ImportedPermit, ...] = ()
    """Its rows of the permits sheet, every one of them good."""


@dataclass
class Checked:
    units: list[UnitRow]
    problems: list[RowProblem]
    rejected_rows: int
    rejected_permit_rows: int = 0


def check_rows(rows: list[FileRow], permits: list[FileRow] | None = None) -> Checked:
    """Every row checked on its own, then USCCs repeated within the file refused (every
    row holding one, naming the other rows: which one is right is the user's call), then
    the permits: a unit with a refused permit row is refused too, naming those rows."""
    units: list[UnitRow] = []
    problems: list[RowProblem] = []
    rejected: set[int] = set()
    for r in rows:
        unit, found = check_row(r)
        problems.extend(found)
        if unit is not None:
            units.append(unit)
        else:
            rejected.add(r.number)
    by_uscc: dict[str, list[int]] = {}
    for u in units:
        by_uscc.setdefault(u.uscc, []).append(u.row)
    for code, numbers in by_uscc.items():
        if len(numbers) < 2:
            continue
        for n in numbers:
            others = [str(m) for m in numbers if m != n]
            problems.append(
                problem(
                    n,
                    "uscc",
                    "duplicate_in_file",
                    Message(
                        "统一社会信用代码 {uscc} is also in rows {rows}",
                        {"uscc": code, "rows": others},
                    ),
                )
            )
            rejected.add(n)
    permit_problems: list[RowProblem] = []
    rejected_permits = 0
    if permits:
        named = {uscc.normalize(r.cells.get("uscc", "")) for r in rows} - {""}
        checked = permit_rows.check(permits, named)
        permit_problems, rejected_permits = checked.problems, checked.rejected_rows
        for i, u in enumerate(units):
            if refused := checked.refused_by_uscc.get(u.uscc):
                said = Message(
                    "a permit of this unit is refused: rows {rows} of the 排污许可证 sheet",
                    {"rows": [str(n) for n in sorted(refused)]},
                )
                problems.append(problem(u.row, None, "permit_refused", said))
                rejected.add(u.row)
            elif good := checked.by_uscc.get(u.uscc):
                units[i] = replace(u, permits=tuple(good))
    problems.sort(key=lambda p: (p.row, _COLUMN_ORDER.get(p.column or "", -1)))
    return Checked(
        [u for u in units if u.row not in rejected],
        [*problems, *permit_problems],
        len(rejected),
        rejected_permits,
    )


def check_row(r: FileRow) -> tuple[UnitRow | None, list[RowProblem]]:
    cells, n = r.cells, r.number
    found: list[RowProblem] = []

    def bad(column: str, message: Message, code: str = "invalid") -> None:
        found.append(problem(n, column, code, message))

    for c in COLUMNS:
        if c.required and not cells.get(c.key):
            bad(c.key, Message("this column is required"), "required")
    for key, limit in _LIMITS.items():
        if len(cells.get(key, "")) > limit:
            bad(key, Message("at most {max} characters", {"max": limit}))

    code = uscc.normalize(cells.get("uscc", ""))
    if code and (reason := uscc.problem(code)):
        bad("uscc", reason)
    industry = cells.get("industryCode", "").upper()
    if industry:
        try:
            directory.valid_industry_code(industry)
        except ValidationFailed as refused:
            bad("industryCode", refused.said)
    region = cells.get("regionCode", "")
    if region and not (_REGION.match(region) and region[:2] in _PROVINCES):
        bad("regionCode", Message("region code must be a 6-digit GB/T 2260 code such as 320506"))
    outlets = _outlets(cells.get("outlets", ""), bad)
    contact = _contact(cells, bad)

    if found:
        return None, found
    given = frozenset(k for k, v in cells.items() if v)
    return UnitRow(
        row=n,
        name=cells["name"],
        uscc=code,
        industry_code=industry,
        address=cells["address"],
        region_code=region or uscc.region_code(code),
        legal_representative=cells.get("legalRepresentative") or None,
        outlets=outlets,
        contact=contact,
        given=given,
    ), []


def _outlets(cell: str, bad: _Bad) -> list[dict[str, str]]:
    """`DA001 锅炉废气排放口；DW001 废水总排口` as the unit's outlets (HJ 608 codes)."""
    outlets: list[dict[str, str]] = []
    for entry in (e.strip() for e in _OUTLET_SEPARATORS.split(cell)):
        if not entry:
            continue
        match = _OUTLET_ENTRY.match(entry)
        code, name = (match.group(1).upper(), match.group(2).strip()) if match else (entry, "")
        if not _OUTLET.match(code):
            bad(
                "outlets",
                Message(
                    "outlet code {code} is not an HJ 608 code such as DA001 or DW001",
                    {"code": code},
                ),
            )
        elif not name:
            bad("outlets", Message("outlet {code} has no name", {"code": code}))
        elif len(name) > 200:
            bad("outlets", Message("at most {max} characters", {"max": 200}))
        elif any(o["code"] == code for o in outlets):
            bad("outlets", Message("outlet code {code} is given twice", {"code": code}))
        else:
            outlets.append({"code": code, "name": name})
    return outlets


def _contact(cells: dict[str, str], bad: _Bad) -> Contact | None:
    name = cells.get("contactName", "")
    title = cells.get("contactTitle") or None
    phone = cells.get("contactPhone") or None
    email = cells.get("contactEmail") or None
    if phone and not _PHONE.match(phone):
        bad("contactPhone", Message("not a telephone number: {value}", {"value": phone}))
    if email and not _EMAIL.match(email):
        bad("contactEmail", Message("not an e-mail address: {value}", {"value": email}))
    if not name:
        if title or phone or email:
            bad("contactName", Message("a contact needs a name"), "required")
        return None
    return Contact(name, title, phone, email)


def differences(row: UnitRow, stored: StoredUnit) -> list[str]:
    """The columns the row gives a value for that the stored unit holds otherwise.
    A blank cell is no value: it changes nothing and differs from nothing."""
    ours = {
        "name": row.name,
        "industryCode": row.industry_code,
        "address": row.address,
        "regionCode": row.region_code,
        "legalRepresentative": row.legal_representative,
        "outlets": _outlet_key(row.outlets),
        "contactName": row.contact.name if row.contact else None,
        "contactTitle": row.contact.title if row.contact else None,
        "contactPhone": row.contact.phone if row.contact else None,
        "contactEmail": row.contact.email if row.contact else None,
    }
    theirs = {**stored.values, "outlets": _outlet_key(stored.outlets)}
    return [
        c.key
        for c in COLUMNS
        if c.key in ours and c.key in row.given and ours[c.key] != theirs.get(c.key)
    ]


@dataclass(frozen=True)
class StoredUnit:
    """A unit of the directory as the import compares it: values by column key."""

    values: dict[str, str | None]
    outlets: list[dict[str, str]]


def _outlet_key(outlets: list[dict[str, str]]) -> str:
    return ";".join(sorted(f"{o['code']} {o['name']}" for o in outlets))


def problem(row: int, column: str | None, code: str, message: Message) -> RowProblem:
    return RowProblem(
        row=row, column=column, code=code, template=message.template, params=message.params
    )


_COLUMN_ORDER = {c.key: i for i, c in enumerate(COLUMNS)}
