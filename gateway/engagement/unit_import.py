"""Bulk import of units over GraphQL: `importUnits` and `unitImportTemplate`.

The file travels base64 in the mutation's input rather than as a GraphQL multipart
upload: the gateway accepts `application/json` bodies only (a multipart POST needs no
CORS preflight, so accepting one would let another site act with a user's cookies;
gateway/http/router.py). A browser reads the file with FileReader.readAsDataURL and
sends what follows the comma. The body limit bounds such a file (docs/api.md
"Importing units"); `ecohost import units FILE` takes files of any size.
"""

from __future__ import annotations

import base64
from enum import Enum
from typing import Annotated

import strawberry
from strawberry.types import Info

from contracts.core import Message
from contracts.engagement import rpc_import
from gateway.context import Context, scope_of
from gateway.engagement import unit_import_template as template
from gateway.errors import NotAuthorized, ServiceUnavailable, ValidationError
from gateway.i18n.language import Language
from gateway.i18n.say import say
from gateway.ids import encode_global_id
from gateway.mutation import ResultUnion, run_mutation

UNIT_IMPORT_TIMEOUT = 14.0
"""Seconds the gateway waits for the service: under the operation's execution timeout."""


@strawberry.input(description="A spreadsheet of units to add to your agency's directory.")
class ImportUnitsInput:
    file_name: str = strawberry.field(description="Ends in .xlsx or .csv (UTF-8 or GB18030).")
    content_base64: str = strawberry.field(description="The file's bytes, base64.")
    dry_run: bool = strawberry.field(
        default=False, description="Check every row and report; import nothing."
    )
    permits_file_name: str | None = strawberry.field(
        default=None,
        description="The units' permits as a file of their own (.csv or .xlsx), one row per "
        "permit; an XLSX units file carries them in its sheet 排污许可证 instead.",
    )
    permits_content_base64: str | None = strawberry.field(
        default=None, description="That file's bytes, base64."
    )


@strawberry.type(description="Why one row of the file was not imported.")
class ImportRowProblem:
    sheet: str = strawberry.field(
        description="units, or permits (the sheet 排污许可证 or the permits file)."
    )
    row: int = strawberry.field(description="Row number in the spreadsheet (header: row 1).")
    column: str | None = strawberry.field(description="The column's key; null: the whole row.")
    column_name: str | None = strawberry.field(
        description="The column's header in your language (中文 as in the template)."
    )
    code: str = strawberry.field(
        description="invalid, required, duplicate_in_file, already_registered; unknown_unit "
        "(a permit whose USCC is no row of the units), permit_refused (a unit's row whose "
        "permit is refused)."
    )
    message: str


@strawberry.type(description="A row whose unit is in your directory with other values: kept.")
class ImportChangedRow:
    row: int
    unit_id: strawberry.ID
    columns: list[str]
    column_names: list[str]


@strawberry.type(description="What an import did (or, with dryRun, would do).")
class UnitImportReport:
    rows: int
    created: int
    unchanged: int
    rejected_rows: int
    dry_run: bool
    changed: list[ImportChangedRow]
    problems: list[ImportRowProblem]
    permits: int = strawberry.field(
        description="Permits handed to the compliance calendar to register; they appear in "
        "permits(unitId) once it has (a refusal there opens PERMIT_IMPORT_REFUSED in myWork)."
    )
    permits_unchanged: int = strawberry.field(
        description="Permit rows already registered for their unit: not sent again."
    )
    rejected_permit_rows: int


@strawberry.type
class ImportUnitsSuccess:
    report: UnitImportReport


ImportUnitsResult = Annotated[
    ImportUnitsSuccess | ValidationError | NotAuthorized | ServiceUnavailable,
    strawberry.union("ImportUnitsResult"),
]
IMPORT_UNITS: ResultUnion[ImportUnitsResult] = ResultUnion(ImportUnitsResult)


@strawberry.enum(description="The template's file format.")
class ImportFileFormat(Enum):
    XLSX = "xlsx"
    CSV = "csv"
    PERMITS_CSV = "permits.csv"


@strawberry.type(description="A column of the import file.")
class ImportColumn:
    key: str
    name: str = strawberry.field(description="The Chinese header.")
    required: bool
    note: str


@strawberry.type(description="The import template, to download and fill in.")
class UnitImportTemplate:
    file_name: str
    content_type: str
    content_base64: str
    columns: list[ImportColumn]
    permit_columns: list[ImportColumn] = strawberry.field(
        description="The columns of the sheet 排污许可证 (or of the permits CSV)."
    )


def column_name(
    key: str | None, language: Language, sheet: str = rpc_import.UNITS_SHEET
) -> str | None:
    known = (
        rpc_import.PERMIT_COLUMN_BY_KEY
        if sheet == rpc_import.PERMITS_SHEET
        else rpc_import.COLUMN_BY_KEY
    )
    if key is None or key not in known:
        return key
    return key if language is Language.EN else known[key].zh


def _report(reply: rpc_import.ImportReport, language: Language) -> UnitImportReport:
    return UnitImportReport(
        rows=reply.rows,
        created=reply.created,
        unchanged=reply.unchanged,
        rejected_rows=reply.rejected_rows,
        dry_run=reply.dry_run,
        changed=[
            ImportChangedRow(
                row=c.row,
                unit_id=strawberry.ID(encode_global_id("Unit", c.unit_id)),
                columns=list(c.columns),
                column_names=[str(column_name(k, language)) for k in c.columns],
            )
            for c in reply.changed
        ],
        permits=reply.permits,
        permits_unchanged=reply.permits_unchanged,
        rejected_permit_rows=reply.rejected_permit_rows,
        problems=[
            ImportRowProblem(
                sheet=p.sheet,
                row=p.row,
                column=p.column,
                column_name=column_name(p.column, language, p.sheet),
                code=p.code,
                message=say(Message(p.template, dict(p.params)), language),
            )
            for p in reply.problems
        ],
    )


@strawberry.type
class UnitImportMutations:
    @strawberry.mutation(
        description="Import units (排污单位) with their outlets, contact and permits "
        "(排污许可证) from XLSX/CSV. Rows with a problem import nothing; the report names "
        "each by sheet, row and column."
    )
    async def import_units(
        self, info: Info[Context, None], input: ImportUnitsInput
    ) -> ImportUnitsResult:
        ctx = info.context
        return await run_mutation(
            info,
            IMPORT_UNITS,
            ("unit", "create"),
            request=lambda: rpc_import.ImportUnitsRequest(
                file_name=input.file_name,
                content_base64=input.content_base64,
                agency_id=ctx.acting_agency(),
                scope=scope_of(ctx.authorizer),
                dry_run=input.dry_run,
                permits_file_name=input.permits_file_name,
                permits_content_base64=input.permits_content_base64,
                may_register_permits=ctx.authorizer.can("permit", "manage"),
            ),
            send=lambda req: ctx.clients.engagement.import_units(req, UNIT_IMPORT_TIMEOUT),
            success=lambda reply: ImportUnitsSuccess(report=_report(reply, ctx.language)),
        )


@strawberry.type
class UnitImportQueries:
    @strawberry.field(description="The import template; null unless you may create units.")
    def unit_import_template(
        self, info: Info[Context, None], format: ImportFileFormat = ImportFileFormat.XLSX
    ) -> UnitImportTemplate | None:
        if not info.context.authorizer.can("unit", "create"):
            return None
        if format is ImportFileFormat.CSV:
            content, kind = template.csv_text(), template.CSV_TYPE
        elif format is ImportFileFormat.PERMITS_CSV:
            content, kind = template.csv_text(rpc_import.PERMIT_COLUMNS), template.CSV_TYPE
        else:
            content, kind = template.xlsx(), template.XLSX_TYPE
        return UnitImportTemplate(
            file_name=(
                "permits-template.csv"
                if format is ImportFileFormat.PERMITS_CSV
                else f"units-template.{format.value}"
            ),
            content_type=kind,
            content_base64=base64.b64encode(content).decode("ascii"),
            columns=_columns(rpc_import.COLUMNS),
            permit_columns=_columns(rpc_import.PERMIT_COLUMNS),
        )


def _columns(columns: tuple[rpc_import.ImportColumn, ...]) -> list[ImportColumn]:
    return [ImportColumn(key=c.key, name=c.zh, required=c.required, note=c.note) for c in columns]
