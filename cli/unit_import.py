"""`ecohost import units FILE` and `ecohost import template FILE`.

`import units` works on the engagement database directly (settings `ECOHOST_ENGAGEMENT_*`,
as `ecohost migrate` does), one transaction per batch, with a progress bar on stderr and
the report as JSON on stdout; the running engagement service publishes the events the
batches left in its outbox. Exit 0 when every row is in, 1 when a row was refused or
differs from the unit already registered, 2 when the file itself was refused.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any, TextIO
from uuid import UUID

from contracts.core import DomainError, Message
from contracts.engagement.rpc_import import ImportReport


def add_parser(sub: Any) -> None:
    group = sub.add_parser("import", help="bulk import into the directory")
    cmds = group.add_subparsers(dest="import_command", required=True)
    units = cmds.add_parser("units", help="import units from an .xlsx or .csv file")
    units.add_argument("file", type=Path)
    units.add_argument("--agency", required=True, type=UUID, help="the agency's id")
    units.add_argument("--actor", default="cli", help="recorded as created_by (default: cli)")
    units.add_argument("--dry-run", action="store_true", help="check and report, write nothing")
    units.add_argument(
        "--permits", type=Path, help="the units' permits (.csv or .xlsx), one row per permit"
    )
    units.add_argument("--batch", type=int, default=500, help="rows per transaction")
    units.add_argument("--lang", choices=["zh-CN", "en"], default="zh-CN", help="of the messages")
    units.add_argument("--quiet", action="store_true", help="no progress bar")
    template = cmds.add_parser("template", help="write the import template (.xlsx or .csv)")
    template.add_argument("file", type=Path)
    template.add_argument(
        "--permits", action="store_true", help="the permits' CSV template (beside a units CSV)"
    )


def run(args: argparse.Namespace) -> int:
    if args.import_command == "template":
        return write_template(args.file, permits_only=args.permits)
    try:
        content = args.file.read_bytes()
        permits = None if args.permits is None else (args.permits.name, args.permits.read_bytes())
    except OSError as failed:
        print(json.dumps({"error": "unreadable_file", "message": str(failed)}, ensure_ascii=False))
        return 2
    bar = None if args.quiet else RowsBar()
    try:
        result = asyncio.run(
            import_units(
                args.file.name,
                content,
                args.agency,
                actor=args.actor,
                dry_run=args.dry_run,
                batch_size=args.batch,
                on_rows=bar,
                permits=permits,
            )
        )
    except DomainError as refused:
        said = _say(refused.said, args.lang)
        print(json.dumps({"error": refused.code, "message": said}, ensure_ascii=False))
        return 2
    finally:
        if bar is not None:
            bar.close()
    print(json.dumps(as_json(result, args.lang), indent=2, ensure_ascii=False))
    return 1 if result.rejected_rows or result.rejected_permit_rows or result.changed else 0


async def import_units(
    file_name: str,
    content: bytes,
    agency_id: UUID,
    *,
    actor: str = "cli",
    dry_run: bool = False,
    batch_size: int = 500,
    on_rows: Any = None,
    permits: tuple[str, bytes] | None = None,
) -> ImportReport:
    from kit.ids import new_id
    from kit.rpc import CallContext
    from services.engagement import app
    from services.engagement.directory.importing.batches import import_file

    ctx = CallContext(actor=actor, tenant=f"agency:{agency_id}", correlation_id=str(new_id()))
    runtime = app.build()
    try:
        return await import_file(
            runtime.db,
            file_name,
            content,
            agency_id,
            ctx,
            dry_run=dry_run,
            batch_size=batch_size,
            on_rows=on_rows or (lambda done, total: None),
            permits=permits,
        )
    finally:
        await runtime.db.dispose()


def write_template(path: Path, *, permits_only: bool = False) -> int:
    from contracts.engagement.rpc_import import PERMIT_COLUMNS
    from gateway.engagement import unit_import_template as template

    if permits_only:
        content = template.csv_text(PERMIT_COLUMNS)
    elif path.suffix.casefold() == ".csv":
        content = template.csv_text()
    else:
        content = template.xlsx()
    path.write_bytes(content)
    print(path)
    return 0


def as_json(result: ImportReport, lang: str) -> dict[str, Any]:
    """The report with each problem said in `lang` and its column by header."""
    from contracts.engagement.rpc_import import COLUMN_BY_KEY, PERMIT_COLUMN_BY_KEY, PERMITS_SHEET

    def column(key: str | None, sheet: str = "units") -> str | None:
        known = PERMIT_COLUMN_BY_KEY if sheet == PERMITS_SHEET else COLUMN_BY_KEY
        if key is None or lang == "en" or key not in known:
            return key
        return known[key].zh

    out = result.model_dump(mode="json", exclude={"problems", "changed"})
    out["changed"] = [
        {"row": c.row, "unitId": str(c.unit_id), "columns": [column(k) for k in c.columns]}
        for c in result.changed
    ]
    out["problems"] = [
        {
            "sheet": p.sheet,
            "row": p.row,
            "column": column(p.column, p.sheet),
            "code": p.code,
            "message": _say(Message(p.template, dict(p.params)), lang),
        }
        for p in result.problems
    ]
    return out


def _say(message: Message, lang: str) -> str:
    from gateway.i18n.language import Language
    from gateway.i18n.say import say

    return say(message, Language.EN if lang == "en" else Language.ZH_CN)


class RowsBar:
    """A one-line bar of rows imported, on stderr, redrawn at most ten times a second."""

    def __init__(self, out: TextIO | None = None, width: int = 30) -> None:
        self.out = out or sys.stderr
        self.width, self._drawn, self._shown = width, 0.0, False

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self._drawn < 0.1 and done < total:
            return
        self._drawn, self._shown = now, True
        filled = self.width * done // max(total, 1)
        bar = "#" * filled + "-" * (self.width - filled)
        self.out.write(f"\r[{bar}] {done:,} / {total:,} rows")
        self.out.flush()

    def close(self) -> None:
        if self._shown:
            self.out.write("\n")
            self.out.flush()
