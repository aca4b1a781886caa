"""GraphQL burst: the whole system, createEngagement over HTTP until the archive traced all.

    python -m bench.graphql_burst [--n 1000] [--concurrency 1,32]
        [--backend sqlite|postgresql|both] [--profile DIR] [--client lean|httpx]
        [--system-tree TREE] [--pg-statements]

Starts NATS (own temp dir, free port) and `cli.stack.Stack` (three services and
the gateway on a free loopback port; SQLite files by default, or one PostgreSQL
database with a schema per service), creates one unit, then sends `n`
`createEngagement` mutations at `concurrency` in flight, with a lean HTTP/1.1 client
(`bench.lean_http`: asyncio streams, a connection per request in flight, the request's
bytes built once) or, with `--client httpx`, httpx as before. Reported:
mutations/s, and the time from the first request until the archive service has
recorded a trace entry for every one of the `n` engagements (its DB polled every
0.1 s), i.e. end-to-end events/s through outbox, relay, JetStream and the
archive's inbox consumer. Baselines in the same run, against the same processes:

- `GET /health/live` on the gateway `n` times: the HTTP + uvicorn + FastAPI floor;
- `CREATE_ENGAGEMENT` called `n` times over NATS with `kit.rpc.RpcClient` and the
  `CallContext` the gateway would send: everything but HTTP and GraphQL, also
  timed until the archive traced it;
- the same writes with the libraries alone (`bench.burst_direct`): engagement,
  checklist and outbox rows in one SQLAlchemy Core transaction, a relay publishing
  to JetStream (file storage) and three inbox consumers, in this process.

A warm-up of 50 mutations (and 50 of each baseline) precedes every timed part;
every part runs at each `--concurrency` level in turn. A second table gives the
CPU milliseconds per request each process spent in each part (from /proc; on
PostgreSQL its server with every backend in a column of its own), which
shows where the time goes and whether the client itself ("bench"; httpx is
CPU-hungry at high concurrency) was the limit. `--profile DIR` samples every Python process of
the system with py-spy during one more GraphQL burst after the timed parts.
`--pg-statements` (PostgreSQL) loads `pg_stat_statements` into the server and prints,
after each GraphQL part, the statements PostgreSQL spent its time on, per mutation
(bench/pg_statements.py).
`--system-tree TREE` runs the stack's processes from another worktree's code (theirs
on `PYTHONPATH`) while this bench and its client stay this tree's: a before and after
measured with the same load generator. The children start in the bench's working
directory, which Python puts ahead of `PYTHONPATH`: run it from one without the
project's packages (e.g. /tmp).
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import time
from collections.abc import Awaitable, Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import UUID

import nats
from nats.aio.client import Client as NATS
from sqlalchemy import Column, MetaData, String, Table, Uuid, func, select

from bench import common
from bench.burst_client import CLIENTS, BurstClient, burst_client
from bench.burst_direct import Direct
from bench.gateway.profile import print_top, sampling
from bench.pg_statements import SETTINGS as PG_STATEMENTS_SETTINGS
from bench.pg_statements import PgStatements
from cli.process import free_port
from cli.stack import SERVICES, Stack, StackConfig
from contracts import core
from contracts.core import EVENT_STREAM
from contracts.engagement import rpc
from kit.db import Database
from kit.ids import new_id
from kit.rpc import CallContext, RpcClient
from tests.e2e.harness import CREATE_ENGAGEMENT, CREATE_UNIT, new_uscc, token

if TYPE_CHECKING:
    from tests.infra.postgres import PostgresInfo

WARMUP = 50
POLL = 0.1
TRACE_TIMEOUT = 120.0
POSTGRESQL = "postgresql"
"""The CPU column of PostgreSQL's server: its postmaster and every backend."""
OTHERS = ("bench", POSTGRESQL)
"""CPU columns that are not the system's own processes."""
PERIOD = {"periodStart": "2027-01-01", "periodEnd": "2027-12-31"}

# Just the columns of the archive's ledger this benchmark reads.
_trace = Table(
    "trace_entry",
    MetaData(),
    Column("engagement_id", Uuid, primary_key=True),
    Column("event_type", String(255)),
)


def _uuid_of(global_id: str) -> UUID:
    return UUID(base64.b64decode(global_id).decode().split(":", 1)[1])


class Archive:
    """Counts the archive's trace entries for given engagements, straight from its DB."""

    def __init__(self, url: str) -> None:
        self.db = Database(url, schema="archive")

    async def traced(self, ids: list[UUID]) -> int:
        async with self.db.transaction() as s:
            q = (
                select(func.count())
                .select_from(_trace)
                .where(_trace.c.engagement_id.in_(ids))
                .where(_trace.c.event_type == "engagement.created.v1")
            )
            return int((await s.execute(q)).scalar_one())

    async def wait_for(self, ids: list[UUID], since: float) -> float:
        """Seconds from `since` (perf_counter) until every id has its entry."""
        deadline = time.perf_counter() + TRACE_TIMEOUT
        while True:
            done = await self.traced(ids)
            now = time.perf_counter()
            if done >= len(ids):
                return now - since
            if now > deadline:
                raise RuntimeError(f"archive traced {done} of {len(ids)} in {TRACE_TIMEOUT:.0f} s")
            await asyncio.sleep(POLL)


CpuTimes = dict[str, float | None]
"""CPU seconds by process name ("bench" is this one, "machine" all CPUs together)."""


@dataclass
class Phase:
    """One timed part: its requests, and if they made engagements, the archive's lag."""

    what: str
    n: int
    seconds: float
    latencies: list[float]
    traced_after: float | None = None
    cpu: CpuTimes = field(default_factory=dict)
    concurrency: int = 1

    def row(self, backend: str) -> list[str]:
        traced = self.traced_after
        return [
            backend,
            self.what,
            str(self.concurrency),
            common.per_second(self.n, self.seconds),
            common.ms(common.percentile(self.latencies, 50)),
            common.ms(common.percentile(self.latencies, 99)),
            "–" if traced is None else f"{traced:.2f}",
            "–" if traced is None else common.per_second(self.n, traced),
        ]

    def cpu_row(self, backend: str, names: list[str]) -> list[str]:
        """CPU milliseconds per request of each process; "system" is all but the bench
        client (the machine's busy time less this process: PostgreSQL included)."""
        wall = self.traced_after or self.seconds
        known = [self.cpu.get(name) for name in names]
        machine = self.cpu.get("machine")
        other = None
        if machine is not None and None not in known:
            # Clock ticks are 10 ms: a small negative rest is rounding, not time.
            other = max(0.0, machine - sum(k or 0.0 for k in known))
        bench = self.cpu.get("bench")
        system = None if machine is None or bench is None else machine - bench
        # The system's own processes (not the client, PostgreSQL or anything else).
        ours = [v for name, v in zip(names, known, strict=True) if name not in OTHERS]
        own = None if None in ours else sum(v or 0.0 for v in ours)
        busy = "?" if machine is None else f"{machine / ((os.cpu_count() or 1) * wall):.0%}"
        cells = [self._per_request(v) for v in (*known, own, other, system)]
        return [backend, self.what, str(self.concurrency), f"{wall:.2f}", *cells, busy]

    def _per_request(self, seconds: float | None) -> str:
        return "?" if seconds is None else f"{1000 * seconds / self.n:.2f}"


class CpuMeter:
    """CPU seconds of this process, each child of the stack, PostgreSQL's server with its
    backends (when used) and the whole machine."""

    def __init__(self, pids: dict[str, int | None], postgresql: int | None = None) -> None:
        self.pids = pids
        self.postgresql = postgresql

    def snapshot(self) -> CpuTimes:
        taken = {name: common.cpu_seconds(pid) for name, pid in self.pids.items()}
        if self.postgresql is not None:
            taken[POSTGRESQL] = common.tree_cpu_seconds(self.postgresql)
        taken["machine"] = common.machine_busy_seconds()
        return taken

    @staticmethod
    def spent(before: CpuTimes, after: CpuTimes) -> CpuTimes:
        spent: CpuTimes = {}
        for name, start in before.items():
            end = after.get(name)
            spent[name] = None if start is None or end is None else end - start
        return spent


async def timed_phase(
    what: str,
    call: Callable[[int], Awaitable[None]],
    n: int,
    concurrency: int,
    meter: CpuMeter,
    settle: Callable[[float], Awaitable[float]] | None = None,
    quiet: Callable[[], Awaitable[None]] | None = None,
    statements: PgStatements | None = None,
) -> Phase:
    """Warm up, then `n` calls; with `settle`, also the seconds until it reports done.
    With `quiet`, the CPU is counted from a system that has consumed every event of
    the warm-up until it has consumed every event of the calls: a consumer's backlog
    is charged to the part that made it, not to the next."""
    await common.drive(call, WARMUP, concurrency)
    if quiet is not None:
        await quiet()
    if statements is not None:
        await statements.reset()
    before = meter.snapshot()
    started = time.perf_counter()
    seconds, latencies = await common.drive(call, n, concurrency)
    phase = Phase(what, n, seconds, latencies)
    if settle is not None:
        phase.traced_after = await settle(started)
    if quiet is not None:
        await quiet()
    phase.cpu = CpuMeter.spent(before, meter.snapshot())
    if statements is not None:
        await statements.report(f"{what} at {concurrency} in flight", n)
    return phase


def every_event_consumed(nc: NATS) -> Callable[[], Awaitable[None]]:
    """Waits until no durable consumer of the system's event stream has events pending
    or unacknowledged (evaluation, compliance, the archive's trace and filing, …)."""
    js = nc.jetstream()

    async def quiet() -> None:
        deadline = time.perf_counter() + TRACE_TIMEOUT
        while True:
            infos = await js.consumers_info(EVENT_STREAM)
            busy = [i.name for i in infos if i.num_pending or i.num_ack_pending]
            if not busy:
                return
            if time.perf_counter() > deadline:
                raise RuntimeError(f"consumers still busy after {TRACE_TIMEOUT:.0f} s: {busy}")
            await asyncio.sleep(POLL)

    return quiet


async def measure(
    stack: Stack,
    nats_pid: int | None,
    urls: BenchUrls,
    backend: str,
    n: int,
    levels: list[int],
    profile: Path | None,
    client_kind: str,
    statements: PgStatements | None = None,
    postgresql: int | None = None,
) -> None:
    agency = new_id()
    tenant = f"agency:{agency}"
    bearer = {"authorization": f"Bearer {token(tenant, 'agency_admin', user='bench')}"}
    archive = Archive(urls.archive)
    pids: dict[str, int | None] = {"bench": None}
    pids |= {name: child.pid for name, child in stack.processes.items() if name != "nats"}
    pids["nats"] = nats_pid
    meter = CpuMeter(pids, postgresql)
    nc = await nats.connect(stack.nats_url, name="bench-direct-rpc")
    direct = Direct(urls.direct, nc)
    await direct.start()
    phases: list[Phase] = []
    client = burst_client(client_kind, stack.gateway_url, max(levels))
    print(f"HTTP client: {client_kind}", flush=True)
    try:
        unit_id = await create_unit(client, bearer)
        parts = Parts(client, bearer, archive, unit_id, agency, tenant, nc, direct, statements)
        for concurrency in levels:
            phases += await parts.measure_all(n, concurrency, meter)
        columns = [*pids, *([POSTGRESQL] if postgresql is not None else [])]
        report(backend, n, phases, columns)
        await report_redeliveries(nc)
        if client.resent:
            print(f"{client.resent} requests sent again after a dropped connection", flush=True)
        if profile is not None:
            python = {k: v for k, v in pids.items() if k not in ("bench", "nats")}
            failed = 0

            async def sampled(i: int) -> None:
                nonlocal failed
                try:  # under the sampler a request may time out: counted, not fatal
                    await parts.mutation(i)
                except Exception:
                    failed += 1

            with sampling(python, profile):
                await common.drive(sampled, n, max(levels))
            print(f"profiled burst: {n - failed} of {n} mutations answered", flush=True)
            for name in python:
                print_top(name, profile / f"{name}.txt")
    finally:
        await client.aclose()
        await direct.stop()
        await nc.close()
        await archive.db.dispose()


async def report_redeliveries(nc: NATS) -> None:
    """Deliveries beyond one per event, per consumer, over the whole run: events JetStream
    sent again (after a nak, or unanswered past the ack wait), which the inbox then counts
    as duplicates: work done twice. Consumer info's `num_redelivered` counts only those
    still unacknowledged, so this compares the deliveries made with the events delivered."""
    js = nc.jetstream()
    counts = []
    for info in sorted(await js.consumers_info(EVENT_STREAM), key=lambda i: i.name):
        config = info.config
        subjects = config.filter_subjects or [config.filter_subject or ">"]
        events = 0
        for subject in subjects:  # a consumer's filters do not overlap
            state = (await js.stream_info(EVENT_STREAM, subjects_filter=subject)).state
            events += sum((state.subjects or {}).values())
        delivered = events - (info.num_pending or 0)
        deliveries = info.delivered.consumer_seq if info.delivered else 0
        counts.append(f"{info.name} {deliveries - delivered} of {deliveries}")
    print(f"delivered again (of deliveries): {', '.join(counts)}", flush=True)


def report(backend: str, n: int, phases: list[Phase], names: list[str]) -> None:
    common.report(
        f"GraphQL burst on {backend}: {n:,} requests per row",
        [
            "backend",
            "path",
            "clients",
            "requests/s",
            "p50 ms",
            "p99 ms",
            "all traced after s",
            "end-to-end events/s",
        ],
        [p.row(backend) for p in phases],
    )
    common.report(
        f"CPU ms per request by process during each timed part ({backend}; "
        f"{os.cpu_count()} CPUs; 'postgresql' is its server and backends, 'everything else' "
        "other load)",
        [
            "backend",
            "part",
            "clients",
            "wall s",
            *names,
            "services + gateway + nats",
            "everything else",
            "system (all but bench)",
            "machine busy",
        ],
        [p.cpu_row(backend, names) for p in phases],
    )


@dataclass
class BenchUrls:
    archive: str
    direct: str


@dataclass
class Parts:
    """The timed parts of one run, sharing the unit, clients and archive."""

    client: BurstClient
    bearer: dict[str, str]
    archive: Archive
    unit_id: str
    agency: UUID
    tenant: str
    nc: NATS
    direct: Direct
    statements: PgStatements | None = None
    created: list[UUID] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.quiet = every_event_consumed(self.nc)
        # Every mutation sends the same request: prepared once.
        variables = {"input": {"unitId": self.unit_id, "serviceModes": ["ROVING"], **PERIOD}}
        self.create = graphql_request(self.client, self.bearer, CREATE_ENGAGEMENT, variables)
        self.live = self.client.prepare("GET", "/health/live", {})

    async def mutation(self, _i: int) -> None:
        """The whole path: HTTP → gateway (GraphQL, casbin) → RPC → engagement DB and
        outbox → relay → JetStream → consumers (archive: trace ledger)."""
        result = await graphql_data(self.client, self.create, "createEngagement")
        if result["__typename"] != "CreateEngagementSuccess":
            raise RuntimeError(f"createEngagement failed: {result}")
        self.created.append(_uuid_of(result["engagement"]["id"]))

    async def measure_all(self, n: int, concurrency: int, meter: CpuMeter) -> list[Phase]:
        phases: list[Phase] = []
        self.created = []

        async def graphql_traced(started: float) -> float:
            return await self.archive.wait_for(self.created[WARMUP:], started)

        phases.append(
            await timed_phase(
                "GraphQL createEngagement",
                self.mutation,
                n,
                concurrency,
                meter,
                graphql_traced,
                self.quiet,
                self.statements,
            )
        )

        # Baseline: the HTTP + FastAPI floor of the same gateway process.
        async def live(_i: int) -> None:
            r = await self.client.send(self.live)
            if r.status != 200:
                raise RuntimeError(f"/health/live: {r.status}")

        phases.append(await timed_phase("baseline: GET /health/live", live, n, concurrency, meter))

        # Baseline: the same command without HTTP and GraphQL.
        rpc_client = RpcClient(self.nc, timeout=30.0)
        request = rpc.CreateEngagementRequest(
            unit_id=_uuid_of(self.unit_id),
            agency_id=self.agency,
            service_modes=["roving"],
            period_start=date(2027, 1, 1),
            period_end=date(2027, 12, 31),
            scope=core.Scope(agency_id=self.agency),
        )
        sent: list[UUID] = []

        async def command(_i: int) -> None:
            ctx = CallContext(actor="bench", tenant=self.tenant, correlation_id=str(new_id()))
            view = await rpc_client.call(rpc.CREATE_ENGAGEMENT, request, ctx)
            sent.append(view.id)

        async def rpc_traced(started: float) -> float:
            return await self.archive.wait_for(sent[WARMUP:], started)

        phases.append(
            await timed_phase(
                "baseline: RPC CREATE_ENGAGEMENT, no gateway",
                command,
                n,
                concurrency,
                meter,
                rpc_traced,
                self.quiet,
            )
        )

        # Baseline: the same writes, relay and consumers with SQLAlchemy and nats-py.
        written: list[UUID] = []
        unit = _uuid_of(self.unit_id)

        async def direct(_i: int) -> None:
            written.append(await self.direct.create(unit, self.agency))

        async def direct_applied(started: float) -> float:
            return await wait_until(
                lambda: self.direct.all_applied(written[WARMUP:]), len(written) - WARMUP, started
            )

        async def direct_quiet() -> None:
            await wait_until(lambda: self.direct.all_applied(written), len(written), 0.0)

        phases.append(
            await timed_phase(
                "baseline: same writes, SQLAlchemy + nats-py",
                direct,
                n,
                concurrency,
                meter,
                direct_applied,
                direct_quiet,
            )
        )
        for p in phases:
            p.concurrency = concurrency
        return phases


async def wait_until(count: Callable[[], Awaitable[int]], want: int, since: float) -> float:
    """Seconds from `since` (perf_counter) until `count()` reaches `want`."""
    deadline = time.perf_counter() + TRACE_TIMEOUT
    while True:
        done = await count()
        now = time.perf_counter()
        if done >= want:
            return now - since
        if now > deadline:
            raise RuntimeError(f"{done} of {want} applied in {TRACE_TIMEOUT:.0f} s")
        await asyncio.sleep(POLL)


def graphql_request(
    client: BurstClient, bearer: dict[str, str], query: str, variables: dict[str, Any]
) -> Any:
    """POST /graphql of one operation, prepared to be sent as often as wanted."""
    body = json.dumps({"query": query, "variables": variables}, separators=(",", ":"))
    headers = {"content-type": "application/json", **bearer}
    return client.prepare("POST", "/graphql", headers, body.encode())


async def graphql_data(client: BurstClient, prepared: Any, field: str) -> dict[str, Any]:
    """Send a prepared operation; its `data[field]`, or an error for anything else."""
    reply = await client.send(prepared)
    answer = json.loads(reply.body) if reply.status == 200 else None
    if answer is None or answer.get("errors") or not answer.get("data"):
        raise RuntimeError(f"{field}: HTTP {reply.status}: {reply.body[:500]!r}")
    data: dict[str, Any] = answer["data"][field]
    return data


async def create_unit(client: BurstClient, bearer: dict[str, str]) -> str:
    variables = {
        "input": {
            "name": "基准测试化工有限公司",
            "uscc": new_uscc(),
            "industryCode": "C2614",
            "address": "深圳市南山区",
        }
    }
    prepared = graphql_request(client, bearer, CREATE_UNIT, variables)
    unit = await graphql_data(client, prepared, "createUnit")
    if unit["__typename"] != "CreateUnitSuccess":
        raise RuntimeError(f"createUnit failed: {unit}")
    return str(unit["unit"]["id"])


def run_backend(
    backend: str,
    pg: PostgresInfo | None,
    n: int,
    levels: list[int],
    loop: str,
    profile: Path | None,
    client_kind: str,
    system_tree: Path | None = None,
    pg_statements: bool = False,
) -> None:
    with ExitStack() as stack:
        server = stack.enter_context(common.nats_server())
        tmp = stack.enter_context(common.temp_dir(f"stack-{backend}"))
        urls: dict[str, str] = {}
        direct_url = common.sqlite_url(tmp / "direct.db")
        if pg is not None:
            url = pg.create_database(f"bench_stack_{int(time.time() * 1000)}")
            urls = {name: url for name in (*SERVICES, "gateway")}
            direct_url = pg.create_database(f"bench_direct_{int(time.time() * 1000)}")
        config = StackConfig(
            data_dir=tmp / "data",
            gateway_port=free_port(),
            nats_url=server.url,
            database_urls=urls,
            # Deliverables (unused here) go to the temp dir, not ./.ecohost.
            # Generous timeouts: this measures CPU and throughput on a shared box,
            # not the limits (as bench.gateway does).
            env={
                "ECOHOST_ARCHIVE_STORAGE_LOCAL_ROOT": str(tmp / "objects"),
                "ECOHOST_GATEWAY_RPC_TIMEOUT": "120",
                "ECOHOST_GATEWAY_EXECUTION_TIMEOUT": "300",
            }
            | ({} if system_tree is None else {"PYTHONPATH": str(system_tree)}),
            log_format="json",
        )
        started = time.perf_counter()
        system = stack.enter_context(Stack(config, sink=lambda _name, _line: None))
        print(f"{backend}: stack ready in {time.perf_counter() - started:.1f} s", flush=True)
        bench_urls = BenchUrls(archive=config.database_url("archive"), direct=direct_url)
        statements = PgStatements(pg.uri()) if pg is not None and pg_statements else None
        common.run_async(
            measure(
                system,
                server.pid,
                bench_urls,
                backend,
                n,
                levels,
                profile,
                client_kind,
                statements,
                None if pg is None else common.postmaster_pid(pg.socket_dir, pg.port),
            ),
            loop,
        )


def main() -> None:
    p = common.parser(__doc__.splitlines()[0], n=1000, backend="sqlite")
    p.add_argument(
        "--concurrency",
        default="1,32",
        help="requests in flight, one level or several comma-separated (default 1,32)",
    )
    p.add_argument(
        "--profile",
        type=Path,
        default=None,
        help="sample every Python process with py-spy into DIR during one more burst",
    )
    p.add_argument(
        "--system-tree",
        type=Path,
        default=None,
        help="run the stack's processes from this worktree's code (run from e.g. /tmp)",
    )
    p.add_argument(
        "--client",
        choices=CLIENTS,
        default="lean",
        help="the HTTP client sending the requests (default lean; httpx as before)",
    )
    p.add_argument(
        "--pg-statements",
        action="store_true",
        help="PostgreSQL: print its execution time by statement after each GraphQL part",
    )
    args = p.parse_args()
    levels = [int(c) for c in args.concurrency.split(",")]
    if args.system_tree is not None and (Path.cwd() / "gateway").is_dir():
        p.error("--system-tree: run from a directory without the project's packages (e.g. /tmp)")
    backends = common.start(args)
    with ExitStack() as stack:
        settings = PG_STATEMENTS_SETTINGS if args.pg_statements else None
        pg = common.postgres_if_asked(stack, backends, settings)
        for backend in backends:
            run_backend(
                backend,
                pg if backend == "postgresql" else None,
                args.n,
                levels,
                args.loop,
                args.profile,
                args.client,
                args.system_tree,
                args.pg_statements,
            )


if __name__ == "__main__":
    common.run_main(main)
