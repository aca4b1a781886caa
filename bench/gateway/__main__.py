"""`python -m bench.gateway`: the stack, the two baselines, the measurement and its table."""

from __future__ import annotations

import argparse
import time
from contextlib import ExitStack
from pathlib import Path

import httpx

import bench.gateway
from bench import common
from bench.gateway.baselines import (
    child_server,
    serve_default_app,
    serve_in_process_gateway,
    service_env,
)
from bench.gateway.monolith import serve_monolith
from bench.gateway.profile import profile_system
from bench.gateway.report import report
from bench.gateway.workload import ROWS, Target, measure, seed
from cli.process import free_port
from cli.stack import SERVICES, Stack, StackConfig

TARGETS = ("system", "a", "b", "c")


def run(
    n: int,
    concurrency: list[int],
    rounds: int,
    loop: str,
    profile: Path | None = None,
    only: tuple[str, ...] = TARGETS,
    backend: str = "sqlite",
) -> None:
    with ExitStack() as stack:
        server = stack.enter_context(common.nats_server())
        tmp = stack.enter_context(common.temp_dir("gateway"))
        data_dir = tmp / "data"
        urls: dict[str, str] = {}
        if backend == "postgresql":
            # One database, a schema per process, as graphql_burst runs it: the services'
            # reads without SQLite's driver thread, which production does not pay.
            pg = stack.enter_context(common.postgres())
            url = pg.create_database(f"bench_gateway_{int(time.time() * 1000)}")
            urls = {name: url for name in (*SERVICES, "gateway")}
        config = StackConfig(
            data_dir=data_dir,
            gateway_port=free_port(),
            nats_url=server.url,
            database_urls=urls,
            env={
                "ECOHOST_ARCHIVE_STORAGE_LOCAL_ROOT": str(tmp / "objects"),
                # This measures CPU and throughput, not the timeouts: on a shared,
                # loaded machine 32 dashboards in flight outlast the 5 s RPC and 15 s
                # operation limits, and a refused answer must not count as a fast one.
                "ECOHOST_GATEWAY_RPC_TIMEOUT": "120",
                "ECOHOST_GATEWAY_EXECUTION_TIMEOUT": "300",
            },
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
        system_pids = {n: p.pid for n, p in system.processes.items() if p.pid is not None}
        # Only the servers asked for are started: an A/B of the system alone need not
        # pay for three baselines.
        servers: dict[str, tuple[str, str, dict[str, int]]] = {
            "system": (
                "system: gateway → NATS → services",
                system.gateway_url,
                {**system_pids, "nats": server.pid or 0},
            )
        }
        for key, mode, label, pid_name in (
            ("a", "in-process", "(a) same gateway, services in-process", "gateway"),
            ("b", "default", "(b) default FastAPI + strawberry, in-process", "app"),
            ("c", "monolith", "(c) monolith: FastAPI + strawberry + SQLAlchemy ORM", "app"),
        ):
            if key in only:
                url, pid = stack.enter_context(child_server(mode, env))
                servers[key] = (label, url, {pid_name: pid})

        def targets() -> list[Target]:
            return [Target(*servers[key]) for key in TARGETS if key in servers and key in only]

        for clients in concurrency:  # each level on the same stack and data
            measured = targets()
            common.run_async(measure(measured, manager, n, clients, rounds), loop)
            report(measured, n, clients, rounds)
        if profile is not None:
            profile_system(Target(*servers["system"]), manager, n, max(concurrency), loop, profile)


def main() -> None:
    p = common.parser((bench.gateway.__doc__ or "").splitlines()[0], n=1000)
    p.prog = "python -m bench.gateway"
    p.add_argument(
        "--concurrency",
        type=lambda text: [int(c) for c in text.split(",")],
        default=[32],
        help="requests in flight, or several levels in turn: 1,32 (default 32)",
    )
    p.add_argument("--rounds", type=int, default=3, help="timed rounds per server (default 3)")
    p.add_argument(
        "--profile",
        type=Path,
        help="after the rounds, py-spy every system process into this directory",
    )
    p.add_argument(
        "--only",
        type=lambda text: tuple(t for t in text.split(",") if t),
        default=TARGETS,
        help="servers to time, comma-separated from system,a,b,c (default all)",
    )
    p.add_argument(
        "--backend",
        choices=common.BACKENDS,
        default="sqlite",
        help="the system's databases (default sqlite); postgresql times the system only",
    )
    p.add_argument("--serve", choices=["in-process", "default", "monolith"], help=argparse.SUPPRESS)
    p.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.serve == "in-process":
        serve_in_process_gateway(args.port)
        return
    if args.serve == "default":
        serve_default_app(args.port)
        return
    if args.serve == "monolith":
        serve_monolith(args.port)
        return
    print(common.machine_facts(args.loop))
    unknown = set(args.only) - set(TARGETS)
    if unknown:
        p.error(f"--only: unknown server {', '.join(sorted(unknown))}")
    if args.backend == "postgresql" and args.only != ("system",):
        # The baselines read the services' SQLite files directly.
        p.error("--backend postgresql times the system only: add --only system")
    print(f"backend: {args.backend}")
    run(args.n, args.concurrency, args.rounds, args.loop, args.profile, args.only, args.backend)


if __name__ == "__main__":
    common.run_main(main)
