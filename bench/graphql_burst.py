"""GraphQL burst: the whole system, createEngagement over HTTP until the archive traced all.

    python -m bench.graphql_burst [--n 1000] [--concurrency 32] [--backend sqlite|postgresql|both]

Starts NATS (own temp dir, free port) and `cli.stack.Stack` (three services and
the gateway on a free loopback port; SQLite files by default, or one PostgreSQL
database with a schema per service), creates one unit, then sends `n`
`createEngagement` mutations with httpx at `concurrency` in flight. Reported:
mutations/s, and the time from the first request until the archive service has
recorded a trace entry for every one of the `n` engagements (its DB polled every
0.1 s), i.e. end-to-end events/s through outbox, relay, JetStream and the
archive's inbox consumer. Baselines in the same run, against the same processes:

- `GET /health/live` on the gateway `n` times: the HTTP + uvicorn + FastAPI floor;
- `CREATE_ENGAGEMENT` called `n` times over NATS with `kit.rpc.RpcClient` and the
  `CallContext` the gateway would send: everything but HTTP and GraphQL, also
  timed until the archive traced it.

A warm-up of 50 mutations (and 50 of each baseline) precedes every timed part.
A second table gives the CPU seconds each process spent in each part (from
/proc), which shows where the time goes and whether the client itself (httpx is
CPU-hungry at high concurrency) was the limit.
"""

from __future__ import annotations

import asyncio
import base64
import os
import time
from collections.abc import Awaitable, Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any
from uuid import UUID

import httpx
import nats
from sqlalchemy import Column, MetaData, String, Table, Uuid, func, select

from bench import common
from cli.process import free_port
from cli.stack import SERVICES, Stack, StackConfig
from contracts import core
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

    def row(self, backend: str) -> list[str]:
        traced = self.traced_after
        return [
            backend,
            self.what,
            common.per_second(self.n, self.seconds),
            common.ms(common.percentile(self.latencies, 50)),
            common.ms(common.percentile(self.latencies, 99)),
            "–" if traced is None else f"{traced:.2f}",
            "–" if traced is None else common.per_second(self.n, traced),
        ]

    def cpu_row(self, backend: str, names: list[str]) -> list[str]:
        wall = self.traced_after or self.seconds
        known = [self.cpu.get(name) for name in names]
        machine = self.cpu.get("machine")
        other = None
        if machine is not None and None not in known:
            # Clock ticks are 10 ms: a small negative rest is rounding, not time.
            other = max(0.0, machine - sum(k or 0.0 for k in known))
        busy = "?" if machine is None else f"{machine / ((os.cpu_count() or 1) * wall):.0%}"
        cells = [_cpu_cell(v) for v in (*known, other)]
        return [backend, self.what, f"{wall:.2f}", *cells, busy]


def _cpu_cell(value: float | None) -> str:
    return "?" if value is None else f"{value:.2f}"


class CpuMeter:
    """CPU seconds of this process, each child of the stack and the whole machine."""

    def __init__(self, pids: dict[str, int | None]) -> None:
        self.pids = pids

    def snapshot(self) -> CpuTimes:
        taken = {name: common.cpu_seconds(pid) for name, pid in self.pids.items()}
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
) -> Phase:
    """Warm up, then `n` calls; with `settle`, also the seconds until it reports done."""
    await common.drive(call, WARMUP, concurrency)
    before = meter.snapshot()
    started = time.perf_counter()
    seconds, latencies = await common.drive(call, n, concurrency)
    phase = Phase(what, n, seconds, latencies)
    if settle is not None:
        phase.traced_after = await settle(started)
    phase.cpu = CpuMeter.spent(before, meter.snapshot())
    return phase


async def measure(
    stack: Stack, nats_pid: int | None, archive_url: str, backend: str, n: int, concurrency: int
) -> None:
    agency = new_id()
    tenant = f"agency:{agency}"
    bearer = {"authorization": f"Bearer {token(tenant, 'agency_admin', user='bench')}"}
    archive = Archive(archive_url)
    pids: dict[str, int | None] = {"bench": None}
    pids |= {name: child.pid for name, child in stack.processes.items()}
    pids["nats"] = nats_pid
    meter = CpuMeter(pids)
    nc = await nats.connect(stack.nats_url, name="bench-direct-rpc")
    phases: list[Phase] = []
    # trust_env=False: no proxy from the environment; traffic stays on loopback.
    client = httpx.AsyncClient(base_url=stack.gateway_url, timeout=30, trust_env=False)
    try:
        unit_id = await create_unit(client, bearer)

        # 1. The whole path: HTTP → gateway (GraphQL, casbin) → RPC → engagement DB and
        #    outbox → relay → JetStream → archive consumer → trace ledger.
        body = {
            "query": CREATE_ENGAGEMENT,
            "variables": {"input": {"unitId": unit_id, "serviceModes": ["ROVING"], **PERIOD}},
        }
        created: list[UUID] = []

        async def mutation(_i: int) -> None:
            r = await client.post("/graphql", json=body, headers=bearer)
            result: dict[str, Any] = r.json()["data"]["createEngagement"]
            if result["__typename"] != "CreateEngagementSuccess":
                raise RuntimeError(f"createEngagement failed: {result}")
            created.append(_uuid_of(result["engagement"]["id"]))

        async def graphql_traced(started: float) -> float:
            return await archive.wait_for(created[WARMUP:], started)

        phases.append(
            await timed_phase(
                "GraphQL createEngagement", mutation, n, concurrency, meter, graphql_traced
            )
        )

        # 2. Baseline: the HTTP + FastAPI floor of the same gateway process.
        async def live(_i: int) -> None:
            r = await client.get("/health/live")
            if r.status_code != 200:
                raise RuntimeError(f"/health/live: {r.status_code}")

        phases.append(await timed_phase("baseline: GET /health/live", live, n, concurrency, meter))

        # 3. Baseline: the same command without HTTP and GraphQL.
        rpc_client = RpcClient(nc, timeout=30.0)
        request = rpc.CreateEngagementRequest(
            unit_id=_uuid_of(unit_id),
            agency_id=agency,
            service_modes=["roving"],
            period_start=date(2027, 1, 1),
            period_end=date(2027, 12, 31),
            scope=core.Scope(agency_id=agency),
        )
        direct: list[UUID] = []

        async def command(_i: int) -> None:
            ctx = CallContext(actor="bench", tenant=tenant, correlation_id=str(new_id()))
            view = await rpc_client.call(rpc.CREATE_ENGAGEMENT, request, ctx)
            direct.append(view.id)

        async def rpc_traced(started: float) -> float:
            return await archive.wait_for(direct[WARMUP:], started)

        phases.append(
            await timed_phase(
                "baseline: RPC CREATE_ENGAGEMENT, no gateway",
                command,
                n,
                concurrency,
                meter,
                rpc_traced,
            )
        )
    finally:
        await client.aclose()
        await nc.close()
        await archive.db.dispose()
    common.report(
        f"GraphQL burst on {backend}: {n:,} requests per row, {concurrency} in flight",
        [
            "backend",
            "path",
            "requests/s",
            "p50 ms",
            "p99 ms",
            "all traced after s",
            "end-to-end events/s",
        ],
        [p.row(backend) for p in phases],
    )
    names = [name for name in pids if name != "machine"]
    common.report(
        f"CPU seconds per process during each timed part ({backend}; {os.cpu_count()} CPUs)",
        ["backend", "part", "wall s", *names, "everything else", "machine busy"],
        [p.cpu_row(backend, names) for p in phases],
    )


async def create_unit(client: httpx.AsyncClient, bearer: dict[str, str]) -> str:
    variables = {
        "input": {
            "name": "基准测试化工有限公司",
            "uscc": new_uscc(),
            "industryCode": "C2614",
            "address": "深圳市南山区",
        }
    }
    r = await client.post(
        "/graphql", json={"query": CREATE_UNIT, "variables": variables}, headers=bearer
    )
    unit = r.json()["data"]["createUnit"]
    if unit["__typename"] != "CreateUnitSuccess":
        raise RuntimeError(f"createUnit failed: {unit}")
    return str(unit["unit"]["id"])


def run_backend(backend: str, pg: PostgresInfo | None, n: int, concurrency: int, loop: str) -> None:
    with ExitStack() as stack:
        server = stack.enter_context(common.nats_server())
        tmp = stack.enter_context(common.temp_dir(f"stack-{backend}"))
        urls: dict[str, str] = {}
        if pg is not None:
            url = pg.create_database(f"bench_stack_{int(time.time() * 1000)}")
            urls = {name: url for name in (*SERVICES, "gateway")}
        config = StackConfig(
            data_dir=tmp / "data",
            gateway_port=free_port(),
            nats_url=server.url,
            database_urls=urls,
            # Deliverables (unused here) go to the temp dir, not ./.ecohost.
            env={"ECOHOST_ARCHIVE_STORAGE_LOCAL_ROOT": str(tmp / "objects")},
            log_format="json",
        )
        started = time.perf_counter()
        system = stack.enter_context(Stack(config, sink=lambda _name, _line: None))
        print(f"{backend}: stack ready in {time.perf_counter() - started:.1f} s", flush=True)
        archive_url = config.database_url("archive")
        common.run_async(measure(system, server.pid, archive_url, backend, n, concurrency), loop)


def main() -> None:
    p = common.parser(__doc__.splitlines()[0], n=1000, backend="sqlite")
    p.add_argument("--concurrency", type=int, default=32, help="requests in flight (default 32)")
    args = p.parse_args()
    backends = common.start(args)
    with ExitStack() as stack:
        pg = common.postgres_if_asked(stack, backends)
        for backend in backends:
            run_backend(
                backend,
                pg if backend == "postgresql" else None,
                args.n,
                args.concurrency,
                args.loop,
            )


if __name__ == "__main__":
    common.run_main(main)
