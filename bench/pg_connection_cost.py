"""What a new PostgreSQL connection costs, beside a kept one.

    python -m bench.pg_connection_cost [--n 300]

On the embedded PostgreSQL, `n` one-statement transactions (an UPSERT of one row) on a
new asyncpg connection each (SQLAlchemy's NullPool: connect with the services'
search_path, run, close), then `n` on one kept connection (a pool of one): the CPU
milliseconds per transaction of PostgreSQL (its postmaster and backends) and of this
process. A new connection is a new backend process on the server (a fork and its setup)
and asyncpg's connection setup here; statements prepared on the old one are prepared
again on it, which this does not count. Why the services keep their connections
(kit/db.py; docs/BENCHMARKS.md §17, "Ninth round: connections kept, counters in slots").
"""

from __future__ import annotations

import time
from contextlib import ExitStack
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from bench import common

UPSERT = text("INSERT INTO t VALUES (:i, 'x') ON CONFLICT (id) DO UPDATE SET v = 'y'")
SETUP = text("CREATE TABLE IF NOT EXISTS t (id int PRIMARY KEY, v text)")
CONNECT_ARGS = {"server_settings": {"search_path": "public"}}


async def _transactions(engine: AsyncEngine, n: int, server: int) -> tuple[float, float]:
    """CPU ms per transaction: PostgreSQL's and this process's."""
    pg, me = common.tree_cpu_seconds(server), time.process_time()
    for i in range(n):
        async with engine.begin() as conn:
            await conn.execute(UPSERT, {"i": i})
    pg_after = common.tree_cpu_seconds(server)
    assert pg is not None
    assert pg_after is not None
    return 1000 * (pg_after - pg) / n, 1000 * (time.process_time() - me) / n


async def measure(url: str, server: int, n: int) -> None:
    kinds: dict[str, dict[str, Any]] = {
        "a new connection per transaction": {"poolclass": NullPool},
        "one kept connection (baseline)": {"pool_size": 1, "max_overflow": 0},
    }
    rows = []
    for what, pool in kinds.items():
        engine = create_async_engine(url, connect_args=CONNECT_ARGS, **pool)
        try:
            async with engine.begin() as conn:
                await conn.execute(SETUP)
            await _transactions(engine, 20, server)  # warm-up
            pg, me = await _transactions(engine, n, server)
        finally:
            await engine.dispose()
        rows.append([what, f"{pg:.2f}", f"{me:.2f}", f"{pg + me:.2f}"])
    common.report(
        f"A one-statement transaction, {n:,} times (CPU ms per transaction)",
        ["connection", "PostgreSQL", "this process", "both"],
        rows,
    )


def main() -> None:
    p = common.parser(__doc__.splitlines()[0], n=300)
    args = p.parse_args()
    print(common.machine_facts(args.loop), flush=True)
    with ExitStack() as stack:
        pg = common.postgres_if_asked(stack, ["postgresql"])
        assert pg is not None
        server = common.postmaster_pid(pg.socket_dir, pg.port)
        assert server is not None
        url = pg.create_database("connection_cost")
        common.run_async(measure(url, server, args.n), args.loop)


if __name__ == "__main__":
    common.run_main(main)
