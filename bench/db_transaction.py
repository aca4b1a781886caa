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

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent.parent
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


def _child(args: argparse.Namespace) -> None:
    import uvloop

    print(json.dumps(uvloop.run(_measure(args.url, args.n))))


def _round(tree: Path, url: str, n: int) -> tuple[float, float]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    cmd = [sys.executable, "-P", str(Path(__file__).resolve()), "--child", "--url", url]
    out = subprocess.run(
        [*cmd, "--n", str(n)], env=env, cwd=tree, capture_output=True, text=True, check=False
    )
    if out.returncode != 0:
        raise RuntimeError(f"round in {tree} failed:\n{out.stderr[-3000:]}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert Path(result["kit"]).is_relative_to(tree), result  # the tree asked for ran
    return float(result["us"]), float(result["calls"])


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=2000, help="transactions per round (default 2,000)")
    p.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    p.add_argument("--loop", default="uvloop", help=argparse.SUPPRESS)
    p.add_argument("--rounds", type=int, default=5, help="rounds per tree (default 5)")
    p.add_argument("--before", type=Path, help="another worktree, run alternately")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--url", help=argparse.SUPPRESS)
    return p


def main() -> None:
    from bench import common

    args = _parser().parse_args()
    backends = common.start(args)
    trees = [("after", HERE)] + ([("before", args.before.resolve())] if args.before else [])
    counter = iter(range(10**6))
    rows = []
    with ExitStack() as stack:
        tmp = stack.enter_context(common.temp_dir("db-transaction"))
        pg = common.postgres_if_asked(stack, backends)

        def fresh_url(backend: str) -> str:
            k = next(counter)
            if backend == "sqlite":
                return common.sqlite_url(tmp / f"bench-{k}.db")
            assert pg is not None
            return pg.create_database(f"bench_tx_{k}")

        for backend in backends:
            cpu: dict[str, list[float]] = {name: [] for name, _ in trees}
            calls: dict[str, float] = {}
            for _ in range(args.rounds):
                for name, tree in reversed(trees):  # before first in each pair
                    us, calls[name] = _round(tree, fresh_url(backend), args.n)
                    cpu[name].append(us)
            for name, _ in trees:
                each = cpu[name]
                spread = f"{min(each):,.0f}–{max(each):,.0f}"
                median = statistics.median(each)
                rows.append([backend, name, f"{median:,.0f}", spread, f"{calls[name]:,.0f}"])
    common.report(
        f"Database.transaction with one INSERT: {args.n} per round, {args.rounds} rounds, "
        "CPU µs per transaction (median, range) and Python calls per transaction",
        ["backend", "code", "µs", "range", "calls"],
        rows,
    )


if __name__ == "__main__":
    if "--child" in sys.argv:
        _child(_parser().parse_args())
    else:
        sys.path.insert(0, str(HERE))
        from bench import common

        common.run_main(main)
