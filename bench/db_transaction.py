"""`kit.db.Database.transaction` alone: CPU and Python calls per transaction, in process.

    python -m bench.db_transaction [--n 2000] [--rounds 5] [--backend both] [--before TREE]

What every command, relay cycle and consumed event pays around its statements: a
transaction of `Database.transaction()` with one INSERT of a row (the outbox's or an
inbox's shape: a few columns, one of them a timestamp), on a migrated-free scratch table.
Each round runs in a fresh process with one tree's code first on the import path,
`--before TREE` alternating with this tree (before first in each pair), on a fresh SQLite
file or PostgreSQL database. Figures: CPU µs per transaction (`time.process_time`, every
thread, so aiosqlite's worker counts) and Python calls per transaction (cProfile of a
separate pass of 500, the event loop's thread).
"""

from __future__ import annotations

import json
import sys
import time
from contextlib import ExitStack
from typing import Any

WARM_UP = 200


async def _measure(url: str, n: int) -> dict[str, Any]:
    import cProfile
    import pstats
    from datetime import UTC, datetime

    from sqlalchemy import Column, Integer, MetaData, String, Table, insert

    import kit
    from kit.db import Database, UtcDateTime

    metadata = MetaData()
    row = Table(
        "bench_row",
        metadata,
        Column("seq", Integer, primary_key=True),
        Column("subject", String(200), nullable=False),
        Column("created_at", UtcDateTime(), nullable=False),
    )
    db = Database(url, schema=None)
    try:
        async with db.engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
        statement = insert(row)

        async def one() -> None:
            async with db.transaction() as session:
                await session.execute(
                    statement, {"subject": "bench.row", "created_at": datetime.now(UTC)}
                )

        for _ in range(WARM_UP):
            await one()
        start = time.process_time()
        for _ in range(n):
            await one()
        cpu = time.process_time() - start
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(500):
            await one()
        profiler.disable()
        calls = pstats.Stats(profiler).total_calls / 500  # type: ignore[attr-defined]
    finally:
        await db.dispose()
    return {"kit": kit.__file__, "us": cpu / n * 1e6, "calls": calls}


def _child(args: dict[str, Any]) -> None:
    import uvloop

    print(json.dumps(uvloop.run(_measure(args["url"], args["n"]))))


def main() -> None:
    from bench import common, trees

    p = trees.parser(__doc__.splitlines()[0], n=2000, rounds=5)
    args = p.parse_args()
    backends = common.start(args)
    named = trees.trees(args.before)
    rows = []
    with ExitStack() as stack:
        fresh = trees.fresh_databases(stack, backends, "db-transaction")
        for backend in backends:
            cpu: dict[str, list[float]] = {name: [] for name, _ in named}
            calls: dict[str, float] = {}
            for _ in range(args.rounds):
                for name, tree in trees.in_order(named):
                    got = trees.run_child(__file__, tree, {"url": fresh(backend), "n": args.n})
                    cpu[name].append(got["us"])
                    calls[name] = got["calls"]
            for name, _ in named:
                median, spread = trees.median_and_range(cpu[name])
                rows.append([backend, name, median, spread, f"{calls[name]:,.0f}"])
    common.report(
        f"Database.transaction with one INSERT: {args.n} per round, {args.rounds} rounds, "
        "CPU µs per transaction (median, range) and Python calls per transaction",
        ["backend", "code", "µs", "range", "calls"],
        rows,
    )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:  # in a tree's process: nothing of `bench` imported
        _child(json.loads(sys.argv[2]))
    else:
        from bench import common

        common.run_main(main)
