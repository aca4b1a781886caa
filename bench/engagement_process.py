"""The engagement process around its handler: CPU per createEngagement over real NATS.

    python -m bench.engagement_process [--n 600] [--concurrency 1,32] [--rounds 3]
                                       [--backend both] [--before TREE] [--profile DIR]

`bench.create_service` calls the handler directly; this one runs the whole service
process as it runs in production (`services.engagement.app.start` on uvloop, INFO logs
in JSON, the heap settled): the RpcServer takes each command from NATS, the command's
transaction commits, the reply goes back, and the outbox relay publishes the event to
JetStream and marks it sent. The bench process sends `--n` createEngagement requests at
each `--concurrency` (requests in flight) and waits until the stream holds every event;
the figure is the service process's CPU (user + system, every thread, from /proc) over
that window, per command. The clients' CPU is the bench's, not counted.

Each round is a fresh service process on a fresh migrated database (SQLite, or a new
database on one embedded PostgreSQL), one NATS server for the run. `--before TREE` runs
each round a second time with another worktree's code first on the import path, the two
alternating (before first in each pair). `--profile DIR` instead writes a cProfile of
the service's event-loop thread for each concurrency (this tree) to DIR and prints the
Python calls per command.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any
from uuid import UUID

WARM_UP = 60


def _child(args: dict[str, Any]) -> None:
    """The service process: started as `run_service` starts it, then serves until
    SIGTERM. With `--profile`, SIGUSR1 starts a cProfile and SIGUSR2 writes it."""
    import cProfile

    import uvloop

    import kit
    from kit.gc_tuning import settle_heap
    from kit.logging import configure_logging
    from kit.runtime import serve_until_signalled
    from services.engagement import app
    from services.engagement.settings import EngagementSettings

    settings = EngagementSettings(
        database_url=args["url"], database_schema="engagement", nats_url=args["nats"]
    )
    runtime = app.build(settings)
    configure_logging(app.NAME, level="INFO", fmt="json")
    profiler: list[cProfile.Profile] = []

    def profile_start(*_: object) -> None:
        profiler[:] = [cProfile.Profile(time.process_time)]
        profiler[0].enable()

    def profile_stop(*_: object) -> None:
        profiler[0].disable()
        profiler[0].dump_stats(args["profile_file"])
        print("profiled", flush=True)

    signal.signal(signal.SIGUSR1, profile_start)
    signal.signal(signal.SIGUSR2, profile_stop)

    async def start() -> None:
        await app.start(runtime)
        assert runtime.nc is not None
        await runtime.nc.flush()  # the server has the endpoints' subscriptions: no "no responders"
        print(json.dumps({"kit": kit.__file__}), flush=True)  # ready

    main = serve_until_signalled(runtime, start)
    settle_heap()
    uvloop.run(main)


class Service:
    """A service process of one tree, on one database."""

    def __init__(self, tree: Path, url: str, nats: str, profile_file: str | None) -> None:
        from bench import trees

        args = {"url": url, "nats": nats, "profile_file": profile_file}
        # Logs (stderr) are discarded: the service writes them as in production.
        self.proc = subprocess.Popen(
            trees.child_command(__file__, args),
            env=trees.tree_env(tree),
            cwd=tree,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the service of {tree} did not start")
        trees.ran_in(json.loads(line), tree)

    def cpu(self) -> float:
        from bench import common

        seconds = common.cpu_seconds(self.proc.pid)
        assert seconds is not None
        return seconds

    def signal(self, sig: int) -> None:
        self.proc.send_signal(sig)

    def wait_line(self) -> str:
        assert self.proc.stdout is not None
        return self.proc.stdout.readline()

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


async def _events_in_stream(js: Any) -> int:
    from contracts.core import EVENT_STREAM

    info = await js.stream_info(EVENT_STREAM)
    return int(info.state.messages)


async def _send(
    nc: Any, js: Any, agency: str, unit: str, n: int, concurrency: int, tag: str
) -> None:
    """`n` createEngagement requests, `concurrency` in flight; returns once every reply
    came back and the stream holds each command's event."""
    from bench.create_service import create_request
    from contracts.engagement import rpc
    from kit.logging import CORRELATION_HEADER
    from kit.rpc import ACTOR_HEADER, TENANT_HEADER

    body = create_request(UUID(agency), UUID(unit)).encode()
    before = await _events_in_stream(js)
    counter = iter(range(n))

    async def caller() -> None:
        for i in counter:
            headers = {
                ACTOR_HEADER: "user:bench",
                TENANT_HEADER: f"agency:{agency}",
                CORRELATION_HEADER: f"bench-{tag}-{i}",
            }
            reply = await nc.request(rpc.CREATE_ENGAGEMENT.subject, body, 30, headers=headers)
            if not reply.data.startswith(b'{"ok":true'):
                raise RuntimeError(reply.data[:500])

    await asyncio.gather(*(caller() for _ in range(concurrency)))
    while await _events_in_stream(js) < before + n:
        await asyncio.sleep(0.005)


def _round(
    tree: Path,
    url: str,
    nats: str,
    n: int,
    levels: list[int],
    profile_dir: Path | None = None,
) -> dict[int, float]:
    """One service process of `tree`: CPU µs per command at each concurrency (or, with
    `profile_dir`, Python calls per command)."""
    import nats as nats_py
    import uvloop

    from bench.create_service import _prepare

    agency, unit = uvloop.run(_prepare(url))
    profile_file = str(profile_dir / "service.prof") if profile_dir else None
    service = Service(tree, url, nats, profile_file)

    async def drive() -> dict[int, float]:
        import pstats

        nc = await nats_py.connect(nats)
        js = nc.jetstream()
        figures: dict[int, float] = {}
        try:
            await _send(nc, js, agency, unit, WARM_UP, 4, "warm")
            for c in levels:
                if profile_dir is not None:
                    service.signal(signal.SIGUSR1)
                    await asyncio.sleep(0.2)
                start = service.cpu()
                await _send(nc, js, agency, unit, n, c, f"c{c}")
                cpu = service.cpu() - start
                if profile_dir is not None:
                    service.signal(signal.SIGUSR2)
                    await asyncio.to_thread(service.wait_line)
                    assert profile_file is not None
                    kept = profile_dir / f"service-c{c}.prof"
                    os.replace(profile_file, kept)
                    figures[c] = pstats.Stats(str(kept)).total_calls / n  # type: ignore[attr-defined]
                else:
                    figures[c] = cpu / n * 1e6
        finally:
            await nc.close()
        return figures

    try:
        return uvloop.run(drive())
    finally:
        service.stop()


def main() -> None:
    from bench import common, trees

    p = trees.parser(__doc__.splitlines()[0], n=600, rounds=3)
    p.add_argument("--concurrency", default="1,32", help="requests in flight (default 1,32)")
    p.add_argument("--profile", type=Path, help="write cProfiles of one round here instead")
    args = p.parse_args()
    backends = common.start(args)
    levels = [int(c) for c in args.concurrency.split(",")]
    named = trees.trees(args.before)
    with ExitStack() as stack:
        server = stack.enter_context(common.nats_server())
        fresh = trees.fresh_databases(stack, backends, "engagement-process")
        if args.profile:
            args.profile.mkdir(parents=True, exist_ok=True)
            for backend in backends:
                out = args.profile / backend
                out.mkdir(exist_ok=True)
                calls = _round(trees.HERE, fresh(backend), server.url, args.n, levels, out)
                for c, per in calls.items():
                    print(f"{backend}, {c} in flight: {per:,.0f} Python calls per command")
            print(f"profiles in {args.profile}")
            return
        rows = []
        for backend in backends:
            figures: dict[tuple[str, int], list[float]] = {}
            for _ in range(args.rounds):
                for name, tree in trees.in_order(named):
                    got = _round(tree, fresh(backend), server.url, args.n, levels)
                    for c, figure in got.items():
                        figures.setdefault((name, c), []).append(figure)
                    each = ", ".join(f"{c} in flight: {f:,.0f} µs" for c, f in got.items())
                    print(f"  {backend} {name}: {each}", flush=True)
            for c in levels:
                for name, _ in named:
                    rows.append([backend, c, name, *trees.median_and_range(figures[(name, c)])])
    common.report(
        f"createEngagement over NATS, the engagement service process's CPU per command "
        f"(relay included): {args.n} per level, {args.rounds} rounds, µs (median, range)",
        ["backend", "in flight", "code", "µs per command", "range"],
        rows,
    )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:  # the service, in a tree's process: no `bench` import
        _child(json.loads(sys.argv[2]))
    else:
        from bench import common

        common.run_main(main)
