"""Cost as data grows: the reads of a province's users at 1k and at 100k engagements.

    .venv/bin/python -m bench.scale                      # 1,000 then 100,000 engagements
    .venv/bin/python -m bench.scale --sizes 1000 --repeat 5

For each size: a fresh PostgreSQL database, every service's Alembic migrations (as the
stack runs them), rows seeded by COPY (bench/scale_seed.py: 20k units, 300 agencies,
2M trace entries and ledger leaves, 200k scorecards, 1M occurrences at 100k), then the
stack (nats-server, the four services, the gateway) started on that database. Each
read (bench/scale_queries.py) is sent through GraphQL `--warmup` times, then timed
`--repeat` times (median, warm), beside its baseline: the same rows read with SQL by
asyncpg on the same database. The table puts both sizes side by side with the ratio
100k / 1k of the system's time; the goal is ≤ 1.3×.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time
from contextlib import ExitStack
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]  # no stubs; the bench talks COPY and SQL directly
import httpx

from bench import common
from bench.scale_queries import Case, cases, tokens
from bench.scale_seed import World, build_world, seed
from cli.process import free_port
from cli.stack import Stack, StackConfig
from kit.db import Database
from kit.migrate import upgrade
from services.archive import app as archive_app
from services.compliance import app as compliance_app
from services.engagement import app as engagement_app
from services.engagement.statistics import repository as engagement_statistics
from services.evaluation import app as evaluation_app
from services.evaluation.statistics import repository as evaluation_statistics
from tests.infra.postgres import PostgresInfo

SERVICES = {
    "engagement": engagement_app,
    "evaluation": evaluation_app,
    "archive": archive_app,
    "compliance": compliance_app,
}
DEEP_PAGE = 500
PAGE = 20
GOAL = 1.3
"""The largest size's time over the smallest's that a read may reach."""


async def migrate(url: str) -> None:
    for name, app in SERVICES.items():
        db = Database(url, schema=name)
        try:
            await upgrade(db, app.MIGRATIONS)
        finally:
            await db.dispose()


async def count_on_write_tables(url: str, dsn: str) -> None:
    """The region statistics' counters (grade_tally, engagement_tally) for the rows the
    COPY wrote around the commands: each service's own rebuild, the migrations'
    backfill in SQLAlchemy, then ANALYZE of the two tables."""
    for name, rebuild in (
        ("engagement", engagement_statistics.rebuild_tally),
        ("evaluation", evaluation_statistics.rebuild_tally),
    ):
        db = Database(url, schema=name)
        try:
            async with db.transaction() as session:
                await rebuild(session)
        finally:
            await db.dispose()
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("ANALYZE engagement.engagement_tally")
        await conn.execute("ANALYZE evaluation.grade_tally")
    finally:
        await conn.close()


async def deep_cursor(dsn: str, world: World) -> Any:
    """The id after which the province's page 500 starts (20 a page), or the last full
    page where there are fewer rows: the deepest page the size has."""
    conn = await asyncpg.connect(dsn)
    try:
        position = min(DEEP_PAGE * PAGE, world.n - PAGE)
        return await conn.fetchval(
            "SELECT e.id FROM engagement.engagement e JOIN engagement.unit u "
            "ON u.id = e.unit_id WHERE u.region_code LIKE '32%' ORDER BY e.id "
            "OFFSET $1 LIMIT 1",  # the bench finding its target, not a page served
            position - 1,
        )
    finally:
        await conn.close()


async def database_facts(dsn: str) -> tuple[int, int]:
    conn = await asyncpg.connect(dsn)
    try:
        size = await conn.fetchval("SELECT pg_database_size(current_database())")
        leaves = await conn.fetchval("SELECT count(*) FROM archive.ledger_leaf")
        return int(size), int(leaves)
    finally:
        await conn.close()


def wait_for_checkpoint(client: httpx.Client, url: str, leaves: int) -> None:
    """The archive's periodic checkpoint covers the seeded ledger (proofs are against it)."""
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        r = client.post(url + "/graphql", json={"query": "{ latestCheckpoint { treeSize } }"})
        checkpoint = r.json()["data"]["latestCheckpoint"]
        if checkpoint and checkpoint["treeSize"] >= leaves:
            return
        time.sleep(1)
    raise RuntimeError("no checkpoint covers the seeded ledger")


async def wait_until_quiet(dsn: str) -> None:
    """No other statement running in the database (autovacuum, the services' start-up
    jobs) for three checks in a row, so the timings measure the reads alone."""
    conn = await asyncpg.connect(dsn)
    try:
        quiet, deadline = 0, time.monotonic() + 900
        while quiet < 3 and time.monotonic() < deadline:
            busy = await conn.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND state = 'active' AND pid <> pg_backend_pid()"
            )
            quiet = quiet + 1 if busy == 0 else 0
            await asyncio.sleep(1)
    finally:
        await conn.close()


def time_graphql(
    client: httpx.Client, url: str, auth: str, case: Case, warmup: int, repeat: int
) -> tuple[float, dict[str, Any]]:
    body = {"query": case.query, "variables": case.variables}
    headers = {"authorization": f"Bearer {auth}"}
    answer: dict[str, Any] = {}
    times = []
    for i in range(warmup + repeat):
        started = time.perf_counter()
        r = client.post(url + "/graphql", json=body, headers=headers)
        elapsed = time.perf_counter() - started
        r.raise_for_status()
        answer = r.json()
        if answer.get("errors"):
            raise RuntimeError(f"{case.name}: {answer['errors']}")
        if i >= warmup:
            times.append(elapsed * 1000)
    return statistics.median(times), answer


async def time_sql(dsn: str, case: Case, warmup: int, repeat: int) -> float:
    conn = await asyncpg.connect(dsn)
    try:
        times = []
        for i in range(warmup + repeat):
            started = time.perf_counter()
            for sql, params in case.baseline:
                await conn.fetch(sql, *params)
            if i >= warmup:
                times.append((time.perf_counter() - started) * 1000)
        return statistics.median(times)
    finally:
        await conn.close()


def rows_in(answer: dict[str, Any]) -> str:
    """What the answer held, to show the pages are full pages: edges or list lengths and
    the totalCount where there is one."""
    parts = []
    for value in (answer.get("data") or {}).values():
        if isinstance(value, dict) and "edges" in value:
            parts.append(f"{len(value['edges'])}/{value.get('totalCount', '?')}")
        elif isinstance(value, dict) and "steps" in value:
            parts.append(f"{len(value['steps'])} steps")
        elif isinstance(value, list):
            parts.append(str(len(value)))
    return " ".join(parts) or "1"


async def explain(dsn: str, case: Case) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of the baseline's statements, which read what the
    service's repository reads: why a read grew with the data."""
    conn = await asyncpg.connect(dsn)
    try:
        plans = []
        for sql, params in case.baseline:
            rows = await conn.fetch("EXPLAIN (ANALYZE, BUFFERS) " + sql, *params)
            plans.append(sql + "\n" + "\n".join(r[0] for r in rows))
        return "\n\n".join(plans)
    finally:
        await conn.close()


def run_size(
    pg: PostgresInfo,
    nats_url: str,
    n: int,
    warmup: int,
    repeat: int,
    tmp: Path,
    reference: dict[str, Any] | None,
) -> dict[str, Any]:
    name = f"scale_{n}_{datetime.now(UTC):%H%M%S}"
    url = pg.create_database(name)
    dsn = pg.uri(name)
    world = build_world(n, date.today())
    asyncio.run(migrate(url))
    started = time.perf_counter()
    asyncio.run(seed(dsn, world))
    seeded = time.perf_counter() - started
    started = time.perf_counter()
    asyncio.run(count_on_write_tables(url, dsn))
    counted = time.perf_counter() - started
    size, leaves = asyncio.run(database_facts(dsn))
    print(
        f"{n:,} engagements: seeded in {seeded:.0f} s, counters rebuilt in {counted:.1f} s, "
        f"database {size / 2**30:.2f} GiB, "
        + ", ".join(f"{table} {rows:,}" for table, rows in world.rows.items()),
        flush=True,
    )
    config = StackConfig(
        data_dir=tmp / f"data-{n}",
        gateway_port=free_port(),
        nats_url=nats_url,
        database_urls={s: url for s in (*SERVICES, "gateway")},
        env={
            "ECOHOST_ARCHIVE_STORAGE_LOCAL_ROOT": str(tmp / f"objects-{n}"),
            "ECOHOST_ARCHIVE_LEDGER_CHECKPOINT_INTERVAL": "1",
            # seeded overdue items count as announced; no scan while timing
            "ECOHOST_ENGAGEMENT_OVERDUE_CHECK_INTERVAL": "86400",
        },
        log_format="json",
        log_level="WARNING",
        ready_timeout=300,
    )
    deep_after = asyncio.run(deep_cursor(dsn, world))
    results: dict[str, Any] = {
        "seeded": seeded,
        "counted": counted,
        "size": size,
        "rows": world.rows,
        "load": os.getloadavg(),
        "cases": {},
        "plans": {},
    }
    with (
        Stack(config, sink=lambda _name, _line: None) as system,
        httpx.Client(timeout=120) as client,
    ):
        wait_for_checkpoint(client, system.gateway_url, leaves)
        asyncio.run(wait_until_quiet(dsn))
        results["load"] = os.getloadavg()
        auth = tokens(world)
        for case in cases(world, deep_after):
            ours, answer = time_graphql(
                client, system.gateway_url, auth[case.who], case, warmup, repeat
            )
            base = asyncio.run(time_sql(dsn, case, warmup, repeat))
            results["cases"][case.name] = (ours, base, rows_in(answer))
            print(f"  {case.name}: {ours:.1f} ms (SQL {base:.1f} ms) {rows_in(answer)}", flush=True)
            if reference is not None and ours > GOAL * reference["cases"][case.name][0]:
                results["plans"][case.name] = asyncio.run(explain(dsn, case))
    results["load_after"] = os.getloadavg()
    return results


def report(sizes: list[int], results: dict[int, dict[str, Any]]) -> None:
    small, large = sizes[0], sizes[-1]
    headers = ["read", "rows (page/total)"]
    for n in sizes:
        headers += [f"{n:,}: system ms", f"{n:,}: SQL ms"]
    if len(sizes) > 1:
        headers.append(f"{large:,} / {small:,}")
    rows = []
    for name in results[small]["cases"]:
        row: list[object] = [name, results[large]["cases"][name][2]]
        for n in sizes:
            ours, base, _ = results[n]["cases"][name]
            row += [f"{ours:.1f}", f"{base:.1f}"]
        if len(sizes) > 1:
            ratio = results[large]["cases"][name][0] / results[small]["cases"][name][0]
            row.append(f"{ratio:.2f}")
        rows.append(row)
    common.report("Reads at scale (median ms, warm)", headers, rows)
    for n in sizes:
        r = results[n]
        load = ", ".join(f"{x:.1f}" for x in r["load"])
        print(
            f"- {n:,} engagements: seeded by COPY in {r['seeded']:.0f} s, database "
            f"{r['size'] / 2**20:,.0f} MiB, load average {load} before the reads"
        )
    for name, plan in results[sizes[-1]]["plans"].items():
        print(f"\n#### Over {GOAL}×: {name}\n\n```\n{plan}\n```")


def main() -> None:
    p = common.parser(__doc__.splitlines()[0], n=0)
    p.add_argument("--sizes", default="1000,100000", help="engagement counts, comma-separated")
    p.add_argument("--repeat", type=int, default=7, help="timed runs of each read")
    p.add_argument("--warmup", type=int, default=3, help="untimed runs first")
    args = p.parse_args()
    print(common.machine_facts())
    sizes = [int(s) for s in args.sizes.split(",")]
    with ExitStack() as stack:
        server = stack.enter_context(common.nats_server())
        tmp = stack.enter_context(common.temp_dir("scale"))
        pg = stack.enter_context(common.postgres())
        results: dict[int, dict[str, Any]] = {}
        for n in sizes:
            reference = results[sizes[0]] if results else None
            results[n] = run_size(pg, server.url, n, args.warmup, args.repeat, tmp, reference)
    report(sizes, results)


if __name__ == "__main__":
    common.run_main(main)
