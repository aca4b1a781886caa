"""Bulk import of 10,000 units (`ecohost import units`) against a raw SQLAlchemy insert.

Per backend and round, in a freshly migrated engagement database, one generated file of
`--n` units (valid USCCs, two outlets and a contact each) goes through what the CLI runs
(`directory.importing.batches.import_file`: read, check every row, then per batch of 500
the registry lookup and the inserts of units, contacts, search grams and one outbox event
per unit, each batch its own transaction), as CSV and as XLSX, and as XLSX with a
排污许可证 sheet of one permit per unit (checked, and one UnitPermitsImportedV1 per unit
in the same outbox). The same file is then imported again (every row found unchanged).
The baseline inserts the same unit rows, already built, with
`session.execute(insert(Unit), rows)` in transactions of 500 into another fresh
database: no parsing, no checks, no contacts, grams or events.

The figures are the median seconds of `--repeat` rounds.
"""

from __future__ import annotations

import csv
import io
import statistics
import time
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import openpyxl
from sqlalchemy import insert

from bench import common
from contracts.engagement.rpc_import import COLUMNS, PERMIT_COLUMNS, PERMITS_SHEET_TITLE
from kit.db import Database
from kit.ids import new_id
from kit.migrate import upgrade
from kit.rpc import CallContext
from services.engagement import app
from services.engagement.directory import uscc
from services.engagement.directory.importing.batches import import_file
from services.engagement.models import Unit

if TYPE_CHECKING:
    from tests.infra.postgres import PostgresInfo

CTX = CallContext(actor="bench", tenant="agency:bench", correlation_id="bench")
TRADES = ["化工", "钢铁", "纺织", "印染", "电子", "制药", "造纸", "食品"]


def _cells(n: int) -> list[dict[str, str]]:
    rows = []
    for i in range(n):
        body = f"91320506{i:09d}"
        rows.append(
            {
                "name": f"苏州{TRADES[i % len(TRADES)]}{i}号有限公司",
                "uscc": body + uscc.check_character(body),
                "industryCode": "C2614",
                "address": f"江苏省苏州市吴中区示例路{i}号",
                "outlets": f"DA001 锅炉废气排放口{i}；DW001 废水总排口",
                "contactName": "李四",
                "contactPhone": "0512-12345678",
            }
        )
    return rows


def _table(cells: list[dict[str, str]]) -> list[list[str]]:
    return [[c.zh for c in COLUMNS], *[[r.get(c.key, "") for c in COLUMNS] for r in cells]]


def _permit_table(cells: list[dict[str, str]]) -> list[list[str]]:
    """One key-management permit per unit, its execution reports as the template shows."""
    header = [c.zh for c in PERMIT_COLUMNS]
    rows = [
        [
            c["uscc"],
            f"{c['uscc']}001P",
            "苏州市生态环境局",
            "重点管理",
            "2024-01-01",
            "2028-12-31",
            "年报；季报",
        ]
        for c in cells
    ]
    return [header, *rows]


def _csv(table: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(table)
    return out.getvalue().encode("utf-8-sig")


def _xlsx(table: list[list[str]], permits: list[list[str]] | None = None) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in table:
        sheet.append(row)
    if permits is not None:
        second = book.create_sheet(PERMITS_SHEET_TITLE)
        for row in permits:
            second.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _unit_rows(cells: list[dict[str, str]]) -> list[dict[str, Any]]:
    agency, now = new_id(), datetime.now(UTC)
    return [
        {
            "id": new_id(),
            "name": c["name"],
            "uscc": c["uscc"],
            "industry_code": c["industryCode"],
            "address": c["address"],
            "region_code": "320506",
            "agency_id": agency,
            "created_at": now,
            "created_by": "bench",
            "outlets": [
                {"code": "DA001", "name": "锅炉废气排放口"},
                {"code": "DW001", "name": "废水总排口"},
            ],
        }
        for c in cells
    ]


class Databases:
    """A new migrated engagement database per measurement."""

    def __init__(self, backend: str, tmp: Path, pg: PostgresInfo | None) -> None:
        self.backend, self.tmp, self.pg, self.count = backend, tmp, pg, 0

    async def fresh(self) -> Database:
        self.count += 1
        if self.backend == "sqlite":
            url = common.sqlite_url(self.tmp / f"engagement-{self.count}.db")
        else:
            assert self.pg is not None
            stamp = f"{datetime.now(UTC):%H%M%S%f}"
            url = self.pg.create_database(f"bench_import_{self.count}_{stamp}")
        db = Database(url, schema="engagement")
        await upgrade(db, app.MIGRATIONS)
        return db


async def _ours(db: Database, name: str, content: bytes) -> tuple[float, float]:
    """Seconds of the first import and of the re-run."""
    agency = new_id()
    started = time.perf_counter()
    first = await import_file(db, name, content, agency, CTX)
    middle = time.perf_counter()
    again = await import_file(db, name, content, agency, CTX)
    ended = time.perf_counter()
    assert first.created == first.rows == again.unchanged, (first, again)
    return middle - started, ended - middle


async def _baseline(db: Database, rows: list[dict[str, Any]]) -> float:
    started = time.perf_counter()
    for chunk in common.batches(rows, 500):
        async with db.transaction() as s:
            await s.execute(insert(Unit), list(chunk))
    return time.perf_counter() - started


async def measure(
    backends: list[str], n: int, repeat: int, tmp: Path, pg: PostgresInfo | None
) -> None:
    cells = _cells(n)
    table = _table(cells)
    files = {
        "csv": _csv(table),
        "xlsx": _xlsx(table),
        "xlsx + a permit each": _xlsx(table, _permit_table(cells)),
    }
    out: list[list[object]] = []
    for backend in backends:
        dbs = Databases(backend, tmp, pg)
        times: dict[str, list[float]] = {}
        for _ in range(repeat):
            for kind, content in files.items():
                db = await dbs.fresh()
                try:
                    first, again = await _ours(db, "units." + kind.split()[0], content)
                finally:
                    await db.dispose()
                times.setdefault(f"import_file, {kind}", []).append(first)
                times.setdefault(f"import_file again (all unchanged), {kind}", []).append(again)
            db = await dbs.fresh()
            try:
                base = await _baseline(db, _unit_rows(cells))
            finally:
                await db.dispose()
            times.setdefault("baseline: insert(Unit) of built rows, 500 per tx", []).append(base)
        for label, values in times.items():
            median = statistics.median(values)
            spread = f"{min(values):.2f}–{max(values):.2f}"
            out.append([backend, label, f"{median:.2f}", common.per_second(n, median), spread])
    common.report(
        f"Unit import of {n:,} rows (median seconds of {repeat})",
        ["backend", "step", "seconds", "rows/s", "range s"],
        out,
    )


def main() -> None:
    p = common.parser(__doc__.splitlines()[0], n=10_000, backend="both")
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args()
    backends = common.start(args)
    with ExitStack() as stack:
        tmp = stack.enter_context(common.temp_dir("unit-import"))
        pg = common.postgres_if_asked(stack, backends)
        common.run_async(measure(backends, args.n, args.repeat, tmp, pg), args.loop)


if __name__ == "__main__":
    common.run_main(main)
