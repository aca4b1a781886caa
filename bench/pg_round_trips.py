"""PostgreSQL round trips per createEngagement, per process, through the whole system.

    cd /tmp && PYTHONPATH=<tree> python -m bench.pg_round_trips [--n 300]
        [--concurrency 1,32] [--system-tree TREE] [--statements]

Starts NATS, an embedded PostgreSQL and `cli.stack.Stack` as `bench.graphql_burst`
does (one database, a schema per service), each process with `bench/round_trip_site`
first on its `PYTHONPATH`: its `sitecustomize` counts every message exchange of the
process's asyncpg connections with the server (BEGIN, COMMIT and ROLLBACK as simple
queries; each statement run; each statement prepared, that is its text's first use
on a connection; each statement closed). Then, at each concurrency level, 50
mutations to warm up, the system left to consume every event, the counts read, `n`
`createEngagement`s over GraphQL, the system left quiet again, and the counts read:
the difference per mutation, per process. Every one is a round trip the process
waits for, and one more piece of work for PostgreSQL.

Beside the counts, each consumer's lag over the timed mutations, p50 and p99: from an
event's outbox row (`created_at`, in the command's transaction) to its inbox row in the
consumer (`processed_at`, as its transaction starts applying it), both stamped by the
processes' clocks on this machine. A consumer's linger is in it, and the relay's.

The counts depend on batching (at 32 clients a consumer's transaction takes several
events), not on the machine's CPU speed: they are the figure to compare between
trees, run one after the other. `--system-tree TREE` runs the stack from another
worktree (as in `bench.graphql_burst`; run from a directory without the project's
packages). `--statements` lists each process's statements with their counts.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections import Counter
from contextlib import ExitStack
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]  # no stubs
import nats

from bench import common
from bench.burst_client import BurstClient, burst_client
from bench.graphql_burst import (
    PERIOD,
    WARMUP,
    create_unit,
    every_event_consumed,
    graphql_data,
    graphql_request,
)
from cli.process import free_port
from cli.stack import SERVICES, Stack, StackConfig
from kit.ids import new_id
from tests.e2e.harness import CREATE_ENGAGEMENT, token

SITE = Path(__file__).resolve().parent / "round_trip_site"
KINDS = ("BEGIN", "COMMIT", "ROLLBACK", "statement", "prepare", "close")
SETTLE = 0.3
"""Seconds for each process's counting thread (every 0.05 s) to write its last counts."""


def kind_of(key: str) -> str:
    """The column of a counted exchange (`<kind>\\t<statement>` as the site writes it)."""
    kind, _, text = key.partition("\t")
    if kind == "simple":
        word = text.split(" ", 1)[0].rstrip(";").upper()
        return word if word in ("BEGIN", "COMMIT", "ROLLBACK") else "statement"
    return {"execute": "statement", "executemany": "statement"}.get(kind, kind)


class Counts:
    """The counts each process of the stack last wrote."""

    def __init__(self, folder: Path, pids: dict[str, int]) -> None:
        self.folder = folder
        self.pids = pids

    def read(self) -> dict[str, Counter[str]]:
        taken: dict[str, Counter[str]] = {}
        for name, pid in self.pids.items():
            path = self.folder / f"{pid}.json"
            taken[name] = Counter(json.loads(path.read_text())) if path.exists() else Counter()
        return taken


class Lags:
    """Each consumer's lag behind the engagement's outbox, from the stack's database."""

    def __init__(self, url: str) -> None:
        self.dsn = url.replace("postgresql+asyncpg://", "postgresql://", 1)

    async def last_seq(self) -> int:
        conn = await asyncpg.connect(self.dsn)
        try:
            return int(await conn.fetchval("SELECT coalesce(max(seq), 0) FROM engagement.outbox"))
        finally:
            await conn.close()

    async def since(self, seq: int) -> dict[str, list[float]]:
        """Seconds from outbox row to inbox row of each event after `seq`, by consumer."""
        lags: dict[str, list[float]] = {}
        conn = await asyncpg.connect(self.dsn)
        try:
            for schema in SERVICES:
                # The schemas are the stack's service names, not input.
                query = (
                    "SELECT i.consumer, extract(epoch FROM i.processed_at - o.created_at) "  # noqa: S608
                    f"FROM engagement.outbox o JOIN {schema}.inbox i USING (event_id) "
                    "WHERE o.seq > $1"
                )
                rows = await conn.fetch(query, seq)
                for consumer, lag in rows:
                    lags.setdefault(consumer, []).append(float(lag))
        finally:
            await conn.close()
        return lags


def report_lags(concurrency: int, lags: dict[str, list[float]]) -> None:
    common.report(
        f"Each consumer's lag behind the outbox, {concurrency} clients",
        ["consumer", "events", "p50 ms", "p99 ms"],
        [
            [
                name,
                str(len(seconds)),
                common.ms(common.percentile(seconds, 50)),
                common.ms(common.percentile(seconds, 99)),
            ]
            for name, seconds in sorted(lags.items())
        ],
    )


async def measure(
    stack: Stack, counts: Counts, lags: Lags, n: int, levels: list[int], statements: bool
) -> None:
    tenant = f"agency:{new_id()}"
    bearer = {"authorization": f"Bearer {token(tenant, 'agency_admin', user='bench')}"}
    nc = await nats.connect(stack.nats_url, name="bench-round-trips")
    quiet = every_event_consumed(nc)
    client: BurstClient = burst_client("lean", stack.gateway_url, max(levels))
    try:
        unit_id = await create_unit(client, bearer)
        variables = {"input": {"unitId": unit_id, "serviceModes": ["ROVING"], **PERIOD}}
        create = graphql_request(client, bearer, CREATE_ENGAGEMENT, variables)

        async def mutation(_i: int) -> None:
            result = await graphql_data(client, create, "createEngagement")
            if result["__typename"] != "CreateEngagementSuccess":
                raise RuntimeError(f"createEngagement failed: {result}")

        for concurrency in levels:
            await common.drive(mutation, WARMUP, concurrency)
            await quiet()
            await asyncio.sleep(SETTLE)
            before, seq = counts.read(), await lags.last_seq()
            seconds, _ = await common.drive(mutation, n, concurrency)
            await quiet()
            await asyncio.sleep(SETTLE)
            after = counts.read()
            report(concurrency, n, seconds, before, after, statements)
            report_lags(concurrency, await lags.since(seq))
    finally:
        await client.aclose()
        await nc.close()


def report(
    concurrency: int,
    n: int,
    seconds: float,
    before: dict[str, Counter[str]],
    after: dict[str, Counter[str]],
    statements: bool,
) -> None:
    rows = []
    totals: Counter[str] = Counter()
    for name in after:
        spent = after[name] - before[name]
        by_kind: Counter[str] = Counter()
        for key, count in spent.items():
            by_kind[kind_of(key)] += count
        totals += by_kind
        rows.append([name, *per(by_kind, n)])
        if statements and spent:
            print(f"\n{name}, per mutation:")
            for key, count in spent.most_common():
                print(f"  {count / n:7.2f}  {key}")
    rows.append(["all", *per(totals, n)])
    common.report(
        f"PostgreSQL round trips per createEngagement, {concurrency} clients, "
        f"{n} mutations ({n / seconds:.0f}/s)",
        ["process", *KINDS, "round trips"],
        rows,
    )


def per(by_kind: Counter[str], n: int) -> list[str]:
    return [f"{by_kind[k] / n:.2f}" for k in KINDS] + [f"{sum(by_kind.values()) / n:.2f}"]


def main() -> None:
    p = common.parser(__doc__.splitlines()[0], n=300)
    p.add_argument("--concurrency", default="1,32", help="clients, comma-separated")
    p.add_argument("--system-tree", type=Path, default=None, help="the stack's code")
    p.add_argument("--statements", action="store_true", help="list the statements")
    args = p.parse_args()
    if args.system_tree is not None and (Path.cwd() / "gateway").is_dir():
        p.error("--system-tree: run from a directory without the project's packages (e.g. /tmp)")
    print(common.machine_facts(args.loop))
    tree = args.system_tree or Path(__file__).resolve().parent.parent
    levels = [int(c) for c in args.concurrency.split(",")]
    with ExitStack() as stack:
        pg = stack.enter_context(common.postgres())
        server = stack.enter_context(common.nats_server())
        tmp = stack.enter_context(common.temp_dir("round-trips"))
        folder = tmp / "counts"
        folder.mkdir()
        url = pg.create_database(f"bench_round_trips_{int(time.time() * 1000)}")
        config = StackConfig(
            data_dir=tmp / "data",
            gateway_port=free_port(),
            nats_url=server.url,
            database_urls={name: url for name in (*SERVICES, "gateway")},
            env={
                "ECOHOST_ARCHIVE_STORAGE_LOCAL_ROOT": str(tmp / "objects"),
                "ECOHOST_GATEWAY_RPC_TIMEOUT": "120",
                "ECOHOST_GATEWAY_EXECUTION_TIMEOUT": "300",
                "PYTHONPATH": f"{SITE}{os.pathsep}{tree}",
                "ECOHOST_ROUND_TRIPS_DIR": str(folder),
            },
            log_format="json",
        )
        system = stack.enter_context(Stack(config, sink=lambda _name, _line: None))
        pids = {
            name: child.pid
            for name, child in system.processes.items()
            if name != "nats" and child.pid is not None
        }
        print(f"stack from {tree}", flush=True)
        common.run_async(
            measure(system, Counts(folder, pids), Lags(url), args.n, levels, args.statements),
            args.loop,
        )


if __name__ == "__main__":
    common.run_main(main)
