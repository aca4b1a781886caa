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


@strawberry.type(description="Why one row of the file was not imported.")
class ImportRowProblem:
    row: int = strawberry.field(description="Row number in the spreadsheet (header: row 1).")
    column: str | None = strawberry.field(description="The column's key; null: the whole row.")
    column_name: str | None = strawberry.field(
        description="The column's header in your language (中文 as in the template)."
    )
    code: str = strawberry.field(
        description="invalid, required, duplicate_in_file or already_registered."
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


def column_name(key: str | None, language: Language) -> str | None:
    if key is None or key not in rpc_import.COLUMN_BY_KEY:
        return key
    return key if language is Language.EN else rpc_import.COLUMN_BY_KEY[key].zh


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
        problems=[
            ImportRowProblem(
                row=p.row,
                column=p.column,
                column_name=column_name(p.column, language),
                code=p.code,
                message=say(Message(p.template, dict(p.params)), language),
            )
            for p in reply.problems
        ],
    )


@strawberry.type
class UnitImportMutations:
    @strawberry.mutation(
        description="Import units (排污单位) with their outlets and contact from XLSX/CSV. "
        "Rows with a problem import nothing; the report names each by row and column."
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
        else:
            content, kind = template.xlsx(), template.XLSX_TYPE
        columns = [
            ImportColumn(key=c.key, name=c.zh, required=c.required, note=c.note)
            for c in rpc_import.COLUMNS
        ]
        return UnitImportTemplate(
            file_name=f"units-template.{format.value}",
            content_type=kind,
            content_base64=base64.b64encode(content).decode("ascii"),
            columns=columns,
        )
