"""Gateway: the engagement dashboard query, 50 rows, 32 concurrent clients, against two baselines.

    python -m bench.gateway [--n 1000] [--concurrency 32] [--rounds 3]

Starts NATS and `cli.stack.Stack` (three services and the gateway, SQLite files),
seeds one agency with 50 engagements (each with its unit, two list items, an
opened scorecard and its trace), then sends the dashboard query (`DASHBOARD`:
engagements with unit, list items, workflow fields, trace and latest scorecard)
with httpx at `concurrency` in flight to three servers, all over HTTP on
loopback, reading the same databases:

- **system**: the real gateway of the stack: resolvers call the services over NATS.
- **(a) in-process**: the same gateway app (`gateway.app.create_app`, uvloop +
  httptools, every protection and cache) in a child process whose `RpcClient`
  is replaced by `InProcessRpc`: the services' own endpoint handlers (their
  use-case functions, registered by each service's `endpoints.register`) called
  directly against the same databases. Same resolvers, no NATS hop.
- **(b) default**: a default FastAPI app with strawberry's `GraphQLRouter` and a
  plain `strawberry.Schema` of the same types, served by uvicorn with the asyncio
  loop and h11, no parser or validation cache, fed by `InProcessRpc` too.

Before timing, the three answers are compared: they must be the same JSON.
Each round times `n` requests per server (after 50 warm-up requests), servers
in turn; the table gives the median round's requests/s, p50 and p99 over all
rounds, and the CPU seconds per request of the serving processes (the system:
gateway plus services plus NATS) and of this client.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import httpx
from starlette.requests import HTTPConnection

from bench import common
from cli.process import free_port
from cli.stack import SERVICES, Stack, StackConfig
from contracts.core import Rpc
from kit.rpc import CallContext, RpcClient, RpcServer
from tests.e2e.harness import CREATE_ENGAGEMENT, CREATE_UNIT, new_uscc, token

ROWS = 50
WARMUP = 50
AGENCY = "agency:0190a3c2-7b1e-7c3d-8e4f-00000000beef"
DASHBOARD = """
query Dashboard {
  engagements(first: 50) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node {
      id stage serviceModes periodStart periodEnd contractedTeamSize contractSignedOn
      unit { id name uscc regionCode }
      listItems { id catalogueCode scope status contractedQuantity doneQuantity dueDate overdue }
      checklist { completeness }
      trace { seq eventType actor occurredAt }
      latestScorecard { id status periodLabel total grade }
    } }
  }
}"""
ADD_ITEM = """mutation($input: AddListItemInput!) { addListItem(input: $input) { __typename } }"""
OPEN_CARD = """mutation($input: OpenScorecardInput!) {
  openScorecard(input: $input) { __typename ... on Error { code message } } }"""


# --- the services without NATS --------------------------------------------------------


class Endpoints:
    """Collects what a service's `endpoints.register` adds, in place of an RpcServer."""

    def __init__(self) -> None:
        self.handlers: dict[str, Callable[[Any, CallContext], Awaitable[Any]]] = {}

    def add(
        self, rpc: Rpc[Any, Any], handler: Callable[[Any, CallContext], Awaitable[Any]]
    ) -> None:
        self.handlers[rpc.subject] = handler


class InProcessRpc:
    """`RpcClient.call` without NATS: the service's handler, awaited in this process."""

    def __init__(self, handlers: dict[str, Callable[[Any, CallContext], Awaitable[Any]]]) -> None:
        self.handlers = handlers
        self.calls = 0

    async def call(
        self, rpc: Rpc[Any, Any], request: Any, ctx: CallContext, *, timeout: float | None = None
    ) -> Any:
        self.calls += 1
        return await self.handlers[rpc.subject](request, ctx)


async def in_process_services() -> RpcClient:
    """Every service's endpoints, on the databases their settings (env) name."""
    from services.archive import app as archive_app
    from services.archive.catalogue.deps import CatalogueDeps
    from services.archive.settings import ArchiveSettings
    from services.engagement import app as engagement_app
    from services.engagement import endpoints as engagement_endpoints
    from services.evaluation import app as evaluation_app
    from services.evaluation import endpoints as evaluation_endpoints

    collected = Endpoints()
    server = cast(RpcServer, collected)
    engagement_endpoints.register(server, engagement_app.build())
    evaluation_endpoints.register(server, evaluation_app.build())
    archive_settings = ArchiveSettings()
    signer = archive_app.ledger_signer(archive_settings)
    store = await archive_app.open_storage()
    deps = CatalogueDeps(store=store, settings=archive_settings, signer=signer)
    archive_app.register_endpoints(server, archive_app.build(archive_settings), deps)
    return cast(RpcClient, InProcessRpc(collected.handlers))


# --- the two baseline servers (child processes) ----------------------------------------


def serve_in_process_gateway(port: int) -> None:
    """(a): the gateway app as `python -m gateway` serves it, its RPC client swapped."""
    import uvicorn
    from fastapi import Response

    from gateway.app import create_app

    app = create_app()
    swapped: list[bool] = []

    @app.get("/bench/ready", include_in_schema=False)
    async def ready() -> Response:
        state = app.state.gateway
        if not swapped and state.rpc is not None:  # NATS connected: the lifespan is done
            state.rpc = await in_process_services()
            swapped.append(True)
        return Response(status_code=200 if swapped else 503)

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def serve_default_app(port: int) -> None:
    """(b): FastAPI + strawberry as their documentation shows them, same types and data."""
    import strawberry
    import uvicorn
    from fastapi import FastAPI
    from strawberry.fastapi import GraphQLRouter

    from gateway.authz.authorizer import Authorizer
    from gateway.authz.enforcer import build_enforcer
    from gateway.clients import ServiceClients
    from gateway.context import Context, scope_of
    from gateway.dataloaders import build_loaders
    from gateway.schema import Query
    from gateway.settings import GatewaySettings
    from kit.auth import ANONYMOUS, AuthError, TokenVerifier
    from kit.ids import new_id

    settings = GatewaySettings()
    verifier = TokenVerifier(settings.auth)
    held: dict[str, Any] = {}

    async def context_getter(request: HTTPConnection) -> Context:
        if not held:
            held["enforcer"] = await build_enforcer(settings.database_url)
            held["rpc"] = await in_process_services()
        try:
            principal = verifier.principal_from_header(request.headers.get("authorization"))
        except AuthError:
            principal = ANONYMOUS
        authorizer = Authorizer(held["enforcer"], principal)
        request_id = str(new_id())
        clients = ServiceClients.of(
            held["rpc"],
            CallContext(
                actor=principal.user_id or "anonymous",
                tenant=principal.tenant,
                correlation_id=request_id,
            ),
        )
        return Context(
            request_id=request_id,
            principal=principal,
            authorizer=authorizer,
            clients=clients,
            loaders=build_loaders(clients, scope_of(authorizer)),
        )

    app = FastAPI()
    app.include_router(
        GraphQLRouter(strawberry.federation.Schema(query=Query), context_getter=context_getter),
        prefix="/graphql",
    )

    @app.get("/bench/ready")
    async def ready() -> dict[str, str]:
        return {"status": "ok"}

    uvicorn.run(app, host="127.0.0.1", port=port, loop="asyncio", http="h11", log_level="warning")


@contextmanager
def child_server(kind: str, env: dict[str, str]) -> Iterator[tuple[str, int]]:
    """A baseline server in a child process; yields its URL and pid once it answers."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.gateway", "--serve", kind, "--port", str(port)],
        env={**os.environ, **env},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"{kind} server exited with {proc.returncode}")
            try:
                if httpx.get(url + "/bench/ready", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{kind} server not ready after 60 s")
            time.sleep(0.2)
        yield url, proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def service_env(config: StackConfig, nats_url: str, data_dir: Path) -> dict[str, str]:
    """The settings the stack gives its children, for an in-process copy of them."""
    env = {
        f"ECOHOST_{name.upper()}_DATABASE_URL": config.database_url(name)
        for name in (*SERVICES, "gateway")
    }
    env["ECOHOST_GATEWAY_NATS_URL"] = nats_url
    env["ECOHOST_ARCHIVE_LEDGER_KEY_FILE"] = str(data_dir / "ledger-signing.key")
    env.update(config.env)
    env["ECOHOST_GATEWAY_LOG_LEVEL"] = "WARNING"
    return env


# --- load -----------------------------------------------------------------------------


def seed(client: httpx.Client, url: str) -> str:
    """50 engagements of one agency, each with two list items and an open scorecard;
    returns the project manager's token once every row is traced and registered."""
    admin = token(AGENCY, "agency_admin", user="admin")
    manager = token(AGENCY, "project_manager", user="pm")

    def gql(query: str, variables: dict[str, Any], tok: str) -> dict[str, Any]:
        r = client.post(
            url + "/graphql",
            json={"query": query, "variables": variables},
            headers={"authorization": f"Bearer {tok}"},
        )
        r.raise_for_status()
        body: dict[str, Any] = r.json()
        assert "errors" not in body, body
        data: dict[str, Any] = body["data"]
        return data

    ids = []
    for i in range(ROWS):
        unit = gql(
            CREATE_UNIT,
            {
                "input": {
                    "name": f"绿源化工有限公司 {i}",
                    "uscc": new_uscc(),
                    "industryCode": "C2614",
                    "address": "深圳市南山区",
                }
            },
            admin,
        )["createUnit"]["unit"]
        made = gql(
            CREATE_ENGAGEMENT,
            {
                "input": {
                    "unitId": unit["id"],
                    "serviceModes": ["FIXED_RESIDENT"],
                    "periodStart": "2027-01-01",
                    "periodEnd": "2027-12-31",
                }
            },
            admin,
        )["createEngagement"]["engagement"]
        ids.append(made["id"])
        for code, scope in (("6.1.5", "废水、废气季度监测"), ("6.1.6", "危废台账核查")):
            gql(
                ADD_ITEM,
                {
                    "input": {
                        "engagementId": made["id"],
                        "catalogueCode": code,
                        "scope": scope,
                        "expectedEffect": "达标排放",
                        "target": "每季度一份报告",
                        "contractedQuantity": 4,
                        "quantityUnit": "inspection",
                        "dueDate": "2027-12-31",
                    }
                },
                manager,
            )
    for engagement_id in ids:  # the evaluation service registers each from its event
        card = {
            "engagementId": engagement_id,
            "periodStart": "2027-01-01",
            "periodEnd": "2027-12-31",
        }
        deadline = time.monotonic() + 60
        while (opened := gql(OPEN_CARD, {"input": card}, manager)["openScorecard"])[
            "__typename"
        ] != "ScorecardSuccess":
            assert time.monotonic() < deadline, opened
            time.sleep(0.2)
    deadline = time.monotonic() + 60
    while True:  # every row traced (the archive's consumer) with its scorecard event
        rows = gql(DASHBOARD, {}, manager)["engagements"]["edges"]
        if len(rows) == ROWS and all(len(r["node"]["trace"] or []) >= 4 for r in rows):
            return manager
        assert time.monotonic() < deadline, "the archive did not trace every row"
        time.sleep(0.2)


@dataclass
class Target:
    label: str
    url: str
    pids: dict[str, int]  # the serving processes by name
    rates: list[float] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    cpu_by_process: dict[str, float] = field(default_factory=dict)
    client_cpu: float = 0.0
    requests: int = 0

    @property
    def cpu(self) -> float:
        return sum(self.cpu_by_process.values())


def proc_cpu(pids: dict[str, int]) -> dict[str, float]:
    return {name: common.cpu_seconds(pid) or 0.0 for name, pid in pids.items()}


async def measure(
    targets: list[Target], manager: str, n: int, concurrency: int, rounds: int
) -> None:
    headers = {"authorization": f"Bearer {manager}", "content-type": "application/json"}
    body = json.dumps({"query": DASHBOARD}).encode()
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=60) as client:

        async def ask(url: str) -> dict[str, Any]:
            r = await client.post(url + "/graphql", content=body, headers=headers)
            assert r.status_code == 200, f"{url}: {r.status_code} {r.text[:500]}"
            answer: dict[str, Any] = r.json()
            return answer

        answers = [await ask(t.url) for t in targets]
        for t, a in zip(targets, answers, strict=True):
            assert "errors" not in a, f"{t.label} answers with errors: {a}"
            assert a == answers[0], f"{t.label} answers differently: {a}"
        rows = len(answers[0]["data"]["engagements"]["edges"])
        print(f"all three answer the same ({rows} rows, {len(body)} B query)", flush=True)

        def caller(url: str) -> Callable[[int], Awaitable[None]]:
            async def call(_i: int) -> None:
                await ask(url)

            return call

        for t in targets:
            await common.drive(caller(t.url), WARMUP, concurrency)
        for _ in range(rounds):
            for t in targets:
                cpu0, client0 = proc_cpu(t.pids), common.cpu_seconds()
                seconds, latencies = await common.drive(caller(t.url), n, concurrency)
                for name, spent in proc_cpu(t.pids).items():
                    t.cpu_by_process[name] = t.cpu_by_process.get(name, 0.0) + spent - cpu0[name]
                t.client_cpu += (common.cpu_seconds() or 0.0) - (client0 or 0.0)
                t.rates.append(n / seconds)
                t.latencies.extend(latencies)
                t.requests += n


def report(targets: list[Target], n: int, concurrency: int, rounds: int) -> None:
    system = targets[0]
    rows = []
    for t in targets:
        rate = sorted(t.rates)[len(t.rates) // 2]
        ratio = "–" if t is system else f"{sorted(system.rates)[len(system.rates) // 2] / rate:.2f}"
        rows.append(
            [
                t.label,
                f"{rate:,.0f}",
                f"{min(t.rates):,.0f}–{max(t.rates):,.0f}",
                common.ms(common.percentile(t.latencies, 50)),
                common.ms(common.percentile(t.latencies, 99)),
                ratio,
                f"{t.cpu / t.requests * 1e3:.2f}",
                f"{t.client_cpu / t.requests * 1e3:.2f}",
            ]
        )
    common.report(
        f"Dashboard query, {ROWS} rows, {concurrency} clients, {rounds} rounds of {n:,} requests",
        [
            "server",
            "requests/s (median round)",
            "range",
            "p50 ms",
            "p99 ms",
            "system ÷ this",
            "server CPU ms/request",
            "client CPU ms/request",
        ],
        rows,
    )
    # Where the system's CPU goes: on 2 cores, the busiest process bounds throughput.
    shares = ", ".join(
        f"{name} {spent / system.requests * 1e3:.1f}"
        for name, spent in sorted(system.cpu_by_process.items(), key=lambda kv: -kv[1])
    )
    print(f"system CPU ms/request by process: {shares}", flush=True)


def run(n: int, concurrency: int, rounds: int, loop: str) -> None:
    with ExitStack() as stack:
        server = stack.enter_context(common.nats_server())
        tmp = stack.enter_context(common.temp_dir("gateway"))
        data_dir = tmp / "data"
        config = StackConfig(
            data_dir=data_dir,
            gateway_port=free_port(),
            nats_url=server.url,
            env={"ECOHOST_ARCHIVE_STORAGE_LOCAL_ROOT": str(tmp / "objects")},
            log_format="json",
            log_level="WARNING",
        )
        started = time.perf_counter()
        system = stack.enter_context(Stack(config, sink=lambda _name, _line: None))
        print(f"stack ready in {time.perf_counter() - started:.1f} s", flush=True)
        with httpx.Client(timeout=30) as client:
            manager = seed(client, system.gateway_url)
        print(f"seeded {ROWS} engagements", flush=True)
        env = service_env(config, server.url, data_dir)
        a_url, a_pid = stack.enter_context(child_server("in-process", env))
        b_url, b_pid = stack.enter_context(child_server("default", env))
        system_pids = {n: p.pid for n, p in system.processes.items() if p.pid is not None}
        targets = [
            Target(
                "system: gateway → NATS → services",
                system.gateway_url,
                {**system_pids, "nats": server.pid or 0},
            ),
            Target("(a) same gateway, services in-process", a_url, {"gateway": a_pid}),
            Target("(b) default FastAPI + strawberry, in-process", b_url, {"app": b_pid}),
        ]
        common.run_async(measure(targets, manager, n, concurrency, rounds), loop)
        report(targets, n, concurrency, rounds)


def main() -> None:
    p = common.parser(__doc__.splitlines()[0], n=1000)
    p.add_argument("--concurrency", type=int, default=32, help="requests in flight (default 32)")
    p.add_argument("--rounds", type=int, default=3, help="timed rounds per server (default 3)")
    p.add_argument("--serve", choices=["in-process", "default"], help=argparse_hidden())
    p.add_argument("--port", type=int, default=0, help=argparse_hidden())
    args = p.parse_args()
    if args.serve == "in-process":
        serve_in_process_gateway(args.port)
        return
    if args.serve == "default":
        serve_default_app(args.port)
        return
    print(common.machine_facts(args.loop))
    run(args.n, args.concurrency, args.rounds, args.loop)


def argparse_hidden() -> str:
    import argparse

    return argparse.SUPPRESS


if __name__ == "__main__":
    common.run_main(main)
