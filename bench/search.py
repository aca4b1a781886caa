"""Unit search at 1k and 100k units: the gram index against a plain LIKE scan.

Per backend and size, in a freshly migrated engagement database, units with generated
Chinese names (city + brand + trade + legal form) spread over 300 agencies and the
cities of one province are inserted with their grams. Then each search below runs as
the RPC runs it (`directory.queries.list_units`: scope, gram index, LIKE check, the
first page of 20 and the total) and, as the baseline, the same page and total from
the same rows with the obvious SQL: `name LIKE '%…%'` under the same scope.

The figures are the median milliseconds of `--repeat` runs of each search.
"""

from __future__ import annotations

import random
import statistics
import time
from contextlib import ExitStack
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import UUID

from sqlalchemy import insert, select

from bench import common
from contracts.core import Page, Scope
from contracts.engagement.rpc_directory import ListUnitsRequest
from kit.db import Database
from kit.ids import new_id
from kit.keyset import capped_total
from kit.migrate import upgrade
from kit.search import grams, like_contains, normalize
from services.engagement import app
from services.engagement.directory import queries
from services.engagement.models import Unit, UnitLink, unit_search_grams
from services.engagement.repository import unit_scope

if TYPE_CHECKING:
    from tests.infra.postgres import PostgresInfo

CITIES = {"3201": "南京", "3202": "无锡", "3204": "常州", "3205": "苏州", "3206": "南通"}
TRADES = ["化工", "钢铁", "纺织", "印染", "电子", "制药", "造纸", "食品", "机械", "新材料"]
FORMS = ["有限公司", "股份有限公司", "科技有限公司", "厂"]
BRAND_CHARS = "华新源泰恒通达宏盛兴隆金鑫瑞丰永安康海天立美佳顺博德利明阳光辉荣昌"
AGENCIES = 300
CHUNK = 5000


def _units(n: int, rng: random.Random) -> list[dict[str, Any]]:
    agencies = [new_id() for _ in range(AGENCIES)]
    rows = []
    for i in range(n):
        region = rng.choice(list(CITIES))
        brand = "".join(rng.choice(BRAND_CHARS) for _ in range(2))
        name = f"{CITIES[region]}{brand}{rng.choice(TRADES)}{rng.choice(FORMS)}"
        rows.append(
            {
                "id": new_id(),
                "name": name,
                "search_name": normalize(name),
                "uscc": f"91{region}00{i:010d}",
                "industry_code": "C2614",
                "address": f"江苏省{CITIES[region]}市",
                "region_code": f"{region}05",
                "agency_id": agencies[i % AGENCIES],
                "created_at": datetime.now(UTC),
                "created_by": "bench",
                "outlets": [],
            }
        )
    return rows


async def _seed(db: Database, n: int) -> tuple[UUID, str, float]:
    """Insert `n` units with their grams; their first agency, a name's rare part, seconds."""
    rows = _units(n, random.Random(n))
    started = time.perf_counter()
    for chunk in common.batches(rows, CHUNK):
        async with db.transaction() as s:
            await s.execute(insert(Unit), list(chunk))
            gram_rows = [
                {"gram": g, "owner_id": r["id"]} for r in chunk for g in sorted(grams(r["name"]))
            ]
            await s.execute(insert(unit_search_grams), gram_rows)
            # An agency sees the units it is linked to (the unit registry, issue 14).
            links = [
                {
                    "unit_id": r["id"],
                    "agency_id": r["agency_id"],
                    "status": "active",
                    "via": "registered",
                    "since": r["created_at"],
                }
                for r in chunk
            ]
            await s.execute(insert(UnitLink), links)
    seconds = time.perf_counter() - started
    first = str(rows[0]["name"])
    return rows[0]["agency_id"], first[2:6], seconds


async def _analyze(db: Database) -> None:
    async with db.engine.connect() as conn:
        await conn.exec_driver_sql("ANALYZE")
        await conn.commit()


async def _service(db: Database, scope: Scope, q: str) -> int:
    async with db.transaction() as s:
        page = await queries.list_units(s, ListUnitsRequest(scope=scope, search=q, page=Page()))
    return page.total


async def _baseline(db: Database, scope: Scope, q: str) -> int:
    """The same page and total with a LIKE on the stored normalised name. The total is
    capped as the API's is (`kit.keyset.TOTAL_CAP`: "1,000 or more")."""
    matching = select(Unit).where(
        unit_scope(scope), Unit.search_name.like(like_contains(normalize(q)), escape="\\")
    )
    async with db.transaction() as s:
        total = await capped_total(s, matching)
        list(await s.scalars(matching.order_by(Unit.id).limit(21)))
    return total


async def _median_ms(call: Any, repeat: int) -> tuple[float, int]:
    times, found = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        found = await call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), found


async def measure(
    backends: list[str], sizes: list[int], repeat: int, tmp: Path, pg: PostgresInfo | None
) -> None:
    rows: list[list[object]] = []
    for backend in backends:
        for n in sizes:
            if backend == "sqlite":
                url = common.sqlite_url(tmp / f"engagement-{n}.db")
            else:
                assert pg is not None
                url = pg.create_database(f"bench_search_{n}_{datetime.now(UTC):%H%M%S%f}")
            db = Database(url, schema="engagement")
            await upgrade(db, app.MIGRATIONS)
            try:
                agency, rare, seeded = await _seed(db, n)
                if backend == "postgresql":
                    await _analyze(db)
                print(f"{backend}: {n:,} units seeded in {seeded:.1f} s")
                cases = [
                    (f"regulator 32, rare: {rare}", Scope(region_prefix="32"), rare),
                    ("regulator 32, common: 化工", Scope(region_prefix="32"), "化工"),
                    ("regulator 32, one char: 鑫", Scope(region_prefix="32"), "鑫"),
                    ("agency, common: 有限公司", Scope(agency_id=agency), "有限公司"),
                    (f"agency, rare: {rare}", Scope(agency_id=agency), rare),
                ]
                for label, scope, q in cases:
                    ours, found = await _median_ms(partial(_service, db, scope, q), repeat)
                    base, same = await _median_ms(partial(_baseline, db, scope, q), repeat)
                    assert found == same, (label, found, same)
                    rows.append(
                        [backend, f"{n:,}", label, f"{found:,}", f"{ours:.1f}", f"{base:.1f}"]
                    )
            finally:
                await db.dispose()
    common.report(
        "Unit search: first page of 20 and the total (median ms)",
        ["backend", "units", "search", "matches", "gram index", "baseline: LIKE scan"],
        rows,
    )


def main() -> None:
    p = common.parser(__doc__.splitlines()[0], n=0, backend="both")
    p.add_argument("--sizes", default="1000,100000", help="unit counts, comma-separated")
    p.add_argument("--repeat", type=int, default=7)
    args = p.parse_args()
    backends = common.start(args)
    sizes = [int(s) for s in args.sizes.split(",")]
    with ExitStack() as stack:
        tmp = stack.enter_context(common.temp_dir("search"))
        pg = common.postgres_if_asked(stack, backends)
        common.run_async(measure(backends, sizes, args.repeat, tmp, pg), args.loop)


if __name__ == "__main__":
    common.run_main(main)
