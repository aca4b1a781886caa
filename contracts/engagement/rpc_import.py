"""Bulk import of units (排污单位) from a spreadsheet: the file's columns, the request
and the report.

The file has one row per unit. Its columns are named by their Chinese header (as the
template has them) or by the English alias; the order does not matter. A column this
table does not know refuses the file, so nothing a user typed is silently dropped.

A unit's permits (排污许可证, any number of them) are a second table with one row per
permit, keyed by the unit's USCC: in an XLSX file the sheet titled 排污许可证 (PERMITS_SHEET_TITLE),
for CSV a second file (`permits_*` of the request; `--permits FILE` on the command line).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from pydantic import Field

from contracts.core import Contract, Rpc, Scope


class ImportColumn(Contract):
    key: str = Field(description="Stable name of the column (the English alias).")
    zh: str = Field(description="The header in the template (Chinese).")
    required: bool = False
    note: str = Field(default="", description="What the cell holds (Chinese, for the template).")


COLUMNS: tuple[ImportColumn, ...] = (
    ImportColumn(key="name", zh="单位名称", required=True, note="不超过200字"),
    ImportColumn(key="uscc", zh="统一社会信用代码", required=True, note="18位，校验位按GB 32100"),
    ImportColumn(key="industryCode", zh="行业代码", required=True, note="GB/T 4754，如 C2614"),
    ImportColumn(key="address", zh="详细地址", required=True, note="不超过500字"),
    ImportColumn(key="regionCode", zh="行政区划代码", note="GB/T 2260 六位；空则取信用代码第3-8位"),
    ImportColumn(key="legalRepresentative", zh="法定代表人"),
    ImportColumn(
        key="outlets",
        zh="排放口",
        note="HJ 608 编码和名称，多个用分号分隔：DA001 锅炉废气排放口；DW001 废水总排口",
    ),
    ImportColumn(key="contactName", zh="联系人"),
    ImportColumn(key="contactTitle", zh="联系人职务"),
    ImportColumn(key="contactPhone", zh="联系电话"),
    ImportColumn(key="contactEmail", zh="电子邮箱"),
)
COLUMN_BY_KEY = {c.key: c for c in COLUMNS}

UNITS_SHEET, PERMITS_SHEET = "units", "permits"
"""The tables of an import, as RowProblem.sheet names them."""
PERMITS_SHEET_TITLE = "排污许可证"
"""The XLSX sheet of the permits (or one titled `permits`); the units are on the first."""
PERMIT_COLUMNS: tuple[ImportColumn, ...] = (
    ImportColumn(key="uscc", zh="统一社会信用代码", required=True, note="持证单位，须在单位表中"),
    ImportColumn(key="permitNumber", zh="许可证编号", required=True, note="4至60字，全国唯一"),
    ImportColumn(key="permitAuthority", zh="发证机关", required=True, note="不超过200字"),
    ImportColumn(
        key="permitCategory", zh="管理类别", required=True, note="重点管理、简化管理或登记管理"
    ),
    ImportColumn(key="permitValidFrom", zh="有效期起", required=True, note="日期，如 2024-01-01"),
    ImportColumn(key="permitValidTo", zh="有效期止", required=True, note="日期，晚于有效期起"),
    ImportColumn(
        key="permitReports",
        zh="执行报告频次",
        note="月报、季报、半年报、年报，多个用分号分隔；空则按管理类别的默认频次",
    ),
)
PERMIT_COLUMN_BY_KEY = {c.key: c for c in PERMIT_COLUMNS}

MAX_ROWS = 50_000
"""Rows one file may hold (the CLI's batches; GraphQL is bounded by the body size)."""


class ImportUnitsRequest(Contract):
    file_name: str = Field(
        min_length=1, max_length=255, description="Its extension picks the reader: .xlsx or .csv."
    )
    content_base64: str = Field(
        max_length=8 * 1024 * 1024, description="The file's bytes, base64 (RFC 4648)."
    )
    agency_id: UUID = Field(description="The agency whose directory receives the units.")
    scope: Scope
    dry_run: bool = Field(default=False, description="Check and report; write nothing.")
    permits_file_name: str | None = Field(
        default=None, max_length=255, description="A CSV of the permits beside a CSV of units."
    )
    permits_content_base64: str | None = Field(
        default=None, max_length=8 * 1024 * 1024, description="That file's bytes, base64."
    )
    may_register_permits: bool = Field(
        default=True,
        description="The caller may registerPermit (casbin `permit` `manage`); without it "
        "a file with permit rows is refused.",
    )


class RowProblem(Contract):
    """Why one row of the file is not imported."""

    sheet: str = Field(
        default=UNITS_SHEET, description="units, or permits (the 排污许可证 sheet or file)."
    )
    row: int = Field(description="Spreadsheet row number: the header is row 1.")
    column: str | None = Field(description="The column's key (COLUMNS); None: the whole row.")
    code: str = Field(
        description="invalid, required, duplicate_in_file, already_registered, unknown_unit, "
        "permit_refused (the unit's row: one of its permits is refused)."
    )
    template: str = Field(description="English template with {placeholders}; the catalogue key.")
    params: dict[str, Any] = Field(default_factory=dict)


class ChangedRow(Contract):
    """A row whose unit is in the directory already with other values: not applied."""

    row: int
    unit_id: UUID
    columns: list[str] = Field(description="Keys of the columns whose values differ.")


class ImportReport(Contract):
    rows: int = Field(description="Data rows read (blank rows are skipped).")
    created: int = Field(description="Units created (with dry_run: that would be).")
    unchanged: int = Field(description="Rows whose unit is already in the directory as given.")
    changed: list[ChangedRow] = Field(default_factory=list)
    problems: list[RowProblem] = Field(default_factory=list)
    rejected_rows: int = Field(description="Rows with at least one problem: nothing imported.")
    dry_run: bool = False
    permits: int = Field(
        default=0,
        description="Permits handed to the compliance service to register (dry_run: would be).",
    )
    permits_unchanged: int = Field(
        default=0, description="Permit rows whose number is registered for their unit already."
    )
    rejected_permit_rows: int = Field(
        default=0, description="Rows of the permits sheet with a problem."
    )


class UnitContactView(Contract):
    """A unit's contact person (联系人)."""

    name: str
    title: str | None
    phone: str | None
    email: str | None


class UnitContactsRequest(Contract):
    unit_ids: list[UUID] = Field(max_length=500)
    scope: Scope


class UnitContactsReply(Contract):
    """Per requested unit, in order: its contacts; [] when none, missing or out of scope."""

    items: list[list[UnitContactView]]


IMPORT_UNITS = Rpc("engagement", "unit.import", ImportUnitsRequest, ImportReport)
GET_UNIT_CONTACTS = Rpc(
    "engagement", "unit.contacts.get_many", UnitContactsRequest, UnitContactsReply
)

IMPORT_RPCS: tuple[Rpc[Any, Any], ...] = (IMPORT_UNITS, GET_UNIT_CONTACTS)
