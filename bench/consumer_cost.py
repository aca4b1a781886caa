"""Consumer fixed cost: CPU per event at the small fetches of a burst, against another tree.

    python -m bench.consumer_cost [--n 1000] [--fetch 1,3,100] [--backend sqlite|postgresql|both]
                                  [--rounds 5] [--before TREE] [--burst 600]

`bench.consumer` measures throughput over a full stream (fetch 100). At 32 clients the
services' consumers see 1–3 events per fetch (docs/BENCHMARKS.md §17), so what they
pay per fetch (the fetch, the transaction, the span and log context) counts as much as
what they pay per event. Here `n` `engagement.created.v1` events (typed, as evaluation
and compliance declare them) sit in the stream; an `EventConsumer` with
`batch=FETCH` (no linger) and the services' batch handler shape
(`one_after_another`, one INSERT per event) applies all of them, once per fetch size.

Each round and tree runs in a fresh process (`--before TREE`: the same harness against
that worktree's code, alternately, the order swapped each round) on one NATS server
and one PostgreSQL; each process gets a fresh database. Reported: CPU µs per event
(`time.process_time`, all threads of the process: aiosqlite's worker counts), and
Python calls per event on the event loop's thread (cProfile, a separate pass of
`PROFILED` events after the timed one). Medians over rounds, ranges beside them.

Beside each figure of this process, what the NATS side paid: nats-server's CPU over the
timed pass (`/proc/<pid>/stat`; the only other client then is idle), and the NATS
messages this process sent and received per event (`nc.stats`: the events, their acks,
pull requests, statuses, heartbeats).

`--burst N` adds the burst's reality: `BURST_CONSUMERS` consumers (as many as apply
each `engagement.created`), each with its own durable and as the services declare them
(batch 100, linger 5 ms, the batch handler), while another process publishes N events
at about 100 a second, 1-3 at a time. CPU of this process and nats-server's per event
and consumer, from the first publish to the last event applied by every consumer (the
publisher's own CPU is not in either figure; nats-server's includes taking its
publishes, the same for both trees); Python calls per event and consumer from a second,
profiled burst of `PROFILED` events. Before the burst, `idle/s`: the same consumers bound
and waiting for IDLE_SECONDS, per second and consumer.

The harness (options, rounds, trees, passes, clock, table) serves other benches too:
bench/archive_consumers.py loads this file by its path.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import pstats
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any
from uuid import uuid4

HERE = Path(__file__).resolve()
PROFILED = 300
WARMUP = 60
BURST_CONSUMERS = 4
BURST_RATE = 100.0  # events a second, published 1-3 at a time
IDLE_SECONDS = 5.0  # the burst's consumers, bound and waiting, before it
SUBJECT = "ecohost.events.engagement.created.v1"  # + .warm, .timed, .profiled
APPLIED_POLL = 0.005
"""Seconds between looks at the consumers' `applied` counts while a pass runs."""


async def _fill(nats_url: str, subjects: dict[str, int]) -> None:
    """Publish `count` events on each subject (untimed setup); the subject is the
    event's type with a suffix, so a consumer filters one set of events."""
    import nats

    from kit.bus import ensure_event_stream
    from kit.logging import CORRELATION_HEADER
    from tests.kit.messaging.plumbing import engagement_created

    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        await ensure_event_stream(js)
        for subject, count in subjects.items():
            for n in range(count):
                e = engagement_created(f"bench-{n}")
                await js.publish(
                    subject,
                    e.model_dump_json().encode(),
                    headers={"Nats-Msg-Id": str(e.event_id), CORRELATION_HEADER: e.correlation_id},
                )
    finally:
        await nc.close()


class Costs:
    """CPU of this process and of nats-server, and this connection's NATS messages,
    from `start()` to `stop()`."""

    def __init__(self, nc: Any, nats_pid: int) -> None:
        self._nc = nc
        self._pid = nats_pid

    def _now(self) -> tuple[float, float, int]:
        stats = self._nc.stats
        return (time.process_time(), _cpu_of(self._pid), stats["in_msgs"] + stats["out_msgs"])

    def start(self) -> None:
        self._started = self._now()

    def stop(self, events: int) -> dict[str, float]:
        ours, server, msgs = (b - a for a, b in zip(self._started, self._now(), strict=True))
        return {"us": ours / events * 1e6, "nats_us": server / events * 1e6, "msgs": msgs / events}


def _cpu_of(pid: int) -> float:
    """User + system CPU seconds of process `pid` so far (/proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _consumer(
    js: Any,
    db: Any,
    subject: str,
    handler: Any,
    *,
    batch: int,
    linger: float = 0.0,
) -> Any:
    """A fresh durable consumer of `subject` with the services' batch handler shape
    (`one_after_another`, one INSERT per event) and the typed event they declare."""
    from bench.consumer import tables
    from contracts.engagement.events import EngagementCreatedV1
    from kit.consumer import EventConsumer
    from kit.inbox import one_after_another

    return EventConsumer(
        js=js,
        db=db,
        tables=tables,
        durable=f"cost-{uuid4().hex[:12]}",
        filter_subjects=[subject],
        handler=handler,
        events=[EngagementCreatedV1],
        batch=batch,
        linger=linger,
        batch_handler=one_after_another(handler),
    )


async def _consume(
    js: Any,
    db: Any,
    subject: str,
    n: int,
    fetch: int,
    profiler: cProfile.Profile | None,
    costs: Costs,
) -> dict[str, float]:
    """Apply the `n` events of `subject` with a fresh durable consumer fetching `fetch`
    at a time; returns what it cost per event."""
    from sqlalchemy import insert

    from bench.consumer import applied

    finished = asyncio.Event()

    async def handler(session: Any, event: Any) -> None:
        await session.execute(insert(applied), {"event_id": event.event_id, "note": "cost"})

    consumer = _consumer(js, db, subject, handler, batch=fetch)
    await consumer.declare()  # outside the clock: once per consumer's life
    return await timed_run([consumer], finished, n, fetch, profiler, costs)


def when_applied(consumers: Sequence[Any], n: int, finished: asyncio.Event) -> asyncio.Task[None]:
    """Set `finished` once each of `consumers` has applied its `n` events, looked at every
    APPLIED_POLL seconds (the same small cost for every tree). A consumer's `after_commit`
    cannot tell: since pg-eighth it is called only after a transaction that recorded
    events (kit.inbox), which these handlers never do, so a pass waiting on it never
    ended."""

    async def watch() -> None:
        while not all(c.applied >= n for c in consumers):
            await asyncio.sleep(APPLIED_POLL)
        finished.set()

    return asyncio.create_task(watch())


async def timed_run(
    consumers: Sequence[Any],
    finished: asyncio.Event,
    n: int,
    fetch: int,
    profiler: cProfile.Profile | None,
    costs: Costs,
) -> dict[str, float]:
    """Run the declared `consumers` until `finished` is set (each has applied its `n`
    events); what it cost per event (`costs`), with `profiler` on if given."""
    stop = asyncio.Event()
    costs.start()
    if profiler is not None:
        profiler.enable()
    tasks = [asyncio.create_task(c.run(stop)) for c in consumers]
    watching = when_applied(consumers, n, finished)
    try:
        await asyncio.wait_for(finished.wait(), timeout=600)
    finally:
        watching.cancel()
        stop.set()
        if profiler is not None:
            profiler.disable()
    measured = costs.stop(n)
    await asyncio.gather(*tasks)
    for c in consumers:
        if c.applied != n or c.duplicates or c.dead_lettered:
            raise RuntimeError(f"{c.durable}, fetch {fetch}: {c.applied} applied of {n}")
    return measured


async def _burst(
    nc: Any,
    db_url: str,
    nats_url: str,
    n: int,
    costs: Costs,
    profiler: cProfile.Profile | None = None,
    idle: dict[str, float] | None = None,
) -> dict[str, float]:
    """BURST_CONSUMERS consumers, as the services declare them, apply `n` events that
    another process publishes at BURST_RATE, 1-3 at a time. On SQLite each has a
    database of its own, as each service does."""
    from sqlalchemy import insert

    from bench.consumer import applied, metadata
    from kit.db import Database

    subject = f"{SUBJECT}.burst{uuid4().hex[:12]}"
    js = nc.jetstream()
    done = asyncio.Event()
    consumers: list[Any] = []

    async def handler(session: Any, event: Any) -> None:
        await session.execute(insert(applied), {"event_id": event.event_id, "note": "burst"})

    databases: list[Any] = []
    for i in range(BURST_CONSUMERS):
        url = db_url.replace(".db", f"-burst{i}.db") if db_url.startswith("sqlite") else db_url
        db = Database(url)
        databases.append(db)
        async with db.engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
        consumer = _consumer(js, db, subject, handler, batch=100, linger=0.005)
        await consumer.declare()
        consumers.append(consumer)
    stop = asyncio.Event()
    tasks = [asyncio.create_task(c.run(stop)) for c in consumers]
    await asyncio.sleep(0.5)  # bound and waiting, as a service between bursts
    if idle is not None:  # what waiting costs, per second and consumer
        costs.start()
        await asyncio.sleep(IDLE_SECONDS)
        idle.update(costs.stop(int(IDLE_SECONDS * BURST_CONSUMERS)), calls=0.0)
    costs.start()
    if profiler is not None:
        profiler.enable()
    code = f"import runpy; runpy.run_path({str(HERE)!r}, run_name='__main__')"
    publisher = await asyncio.create_subprocess_exec(
        sys.executable, "-c", code, "--publish", subject, "--nats", nats_url, "--n", str(n)
    )
    watching = when_applied(consumers, n, done)
    try:
        await asyncio.wait_for(done.wait(), timeout=600)
    finally:
        watching.cancel()
        if profiler is not None:
            profiler.disable()
        measured = costs.stop(n * BURST_CONSUMERS)
        stop.set()
        await asyncio.gather(*tasks)
        for db in databases:
            await db.dispose()
        if await publisher.wait() != 0:
            raise RuntimeError("the burst's publisher failed")
    for c in consumers:
        if c.applied != n or c.duplicates or c.dead_lettered:
            raise RuntimeError(f"burst: {c.applied} applied of {n}")
    return measured


async def _publish_burst(nats_url: str, subject: str, n: int) -> None:
    """`n` events on `subject` at BURST_RATE, 1-3 at a time (the same sequence each run)."""
    import nats

    from tests.kit.messaging.plumbing import engagement_created

    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        sizes = random.Random(17)
        sent = 0
        next_at = time.monotonic()
        while sent < n:
            group = min(n - sent, sizes.choice((1, 2, 3)))
            for _ in range(group):
                e = engagement_created(f"burst-{sent}")
                await js.publish(
                    subject, e.model_dump_json().encode(), headers={"Nats-Msg-Id": str(e.event_id)}
                )
                sent += 1
            next_at += group / BURST_RATE
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))
    finally:
        await nc.close()


async def _child(
    nats_url: str, nats_pid: int, db_url: str, n: int, fetches: Sequence[int], burst: int
) -> dict[str, Any]:
    import nats

    from bench.consumer import metadata
    from kit.db import Database

    nc = await nats.connect(nats_url)
    db = Database(db_url)
    result: dict[str, Any] = {}
    try:
        js = nc.jetstream()
        async with db.engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
        costs = Costs(nc, nats_pid)

        async def one_pass(
            kind: str, count: int, fetch: int, profiler: cProfile.Profile | None
        ) -> dict[str, float]:
            return await _consume(js, db, f"{SUBJECT}.{kind}", count, fetch, profiler, costs)

        result.update(await per_fetch(fetches, n, one_pass))
        if burst:
            idle: dict[str, float] = {}
            measured = await _burst(nc, db_url, nats_url, burst, costs, idle=idle)
            profiler = cProfile.Profile()
            await _burst(nc, db_url, nats_url, PROFILED, costs, profiler)
            calls = _calls(profiler, PROFILED * BURST_CONSUMERS, "burst")
            result["burst"] = {**measured, "calls": calls}
            result["idle/s"] = idle
    finally:
        await db.dispose()
        await nc.close()
    return result


Pass = Callable[[str, int, int, "cProfile.Profile | None"], Awaitable[dict[str, float]]]


async def per_fetch(fetches: Sequence[int], n: int, one_pass: Pass) -> dict[str, Any]:
    """Per fetch size: a warm-up pass of WARMUP events, the timed pass of `n`, a
    profiled pass of PROFILED (`one_pass(kind, count, fetch, profiler)`, kind `warm`,
    `timed` or `profiled`, returns what it cost per event); that and Python calls per
    event."""
    result: dict[str, Any] = {}
    for fetch in fetches:
        await one_pass("warm", WARMUP, fetch, None)
        measured = await one_pass("timed", n, fetch, None)
        profiler = cProfile.Profile()
        await one_pass("profiled", PROFILED, fetch, profiler)
        result[str(fetch)] = {**measured, "calls": _calls(profiler, PROFILED, f"fetch {fetch}")}
    return result


def _calls(profiler: cProfile.Profile, events: int, label: str) -> float:
    """Python calls per event of a profiled pass of `events` (BENCH_PROFILE: the profile
    on stderr)."""
    stats = pstats.Stats(profiler)
    if os.environ.get("BENCH_PROFILE"):
        stats.stream = sys.stderr  # type: ignore[attr-defined]
        print(f"--- {label}", file=sys.stderr)
        stats.sort_stats("tottime").print_stats(25)
        stats.sort_stats("cumulative").print_stats(60)
    return float(stats.total_calls) / events  # type: ignore[attr-defined]


def _run_tree(tree: Path, args: list[str], script: Path = HERE) -> dict[str, Any]:
    """One round in a fresh process against `tree`'s code, running `script` (this file,
    or another bench on this harness, e.g. bench/archive_consumers.py)."""
    env = dict(os.environ, PYTHONPATH=str(tree))
    code = f"import runpy; runpy.run_path({str(script)!r}, run_name='__main__')"
    done = subprocess.run(
        [sys.executable, "-c", code, "--child", *args],
        env=env,
        cwd=tree,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"round in {tree} failed:\n{done.stderr[-4000:]}")
    if os.environ.get("BENCH_PROFILE"):
        print(done.stderr, file=sys.stderr)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    if "kit" in result:  # a child that says whose code it ran: the tree asked for
        assert Path(result["kit"]).is_relative_to(tree), result
    return result


def _summary(rounds: list[dict[str, Any]], pass_: str, key: str) -> str:
    values = [r[pass_][key] for r in rounds]
    mid = statistics.median(values)
    if key == "calls":
        return f"{mid:,.0f}" if mid else "–"  # not profiled (idle)
    if key == "msgs":
        return f"{mid:.2f}"
    return f"{mid:,.0f} ({min(values):,.0f}–{max(values):,.0f})"


def fetch_sizes(args: argparse.Namespace) -> list[int]:
    return [int(f) for f in args.fetch.split(",") if f]


def parser(doc: str, n: int) -> argparse.ArgumentParser:
    """The options of a bench on this harness (`n`: events per timed pass by default)."""
    p = argparse.ArgumentParser(description=doc.splitlines()[0])
    p.add_argument("--n", type=int, default=n, help=f"events per timed pass ({n})")
    p.add_argument("--fetch", default="1,3,100", help="fetch sizes (default 1,3,100)")
    p.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--before", type=Path, help="a worktree to compare with")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--nats", help=argparse.SUPPRESS)
    p.add_argument("--nats-pid", type=int, help=argparse.SUPPRESS)
    p.add_argument("--db", help=argparse.SUPPRESS)
    p.add_argument("--tmp", help=argparse.SUPPRESS)
    return p


def run_child(work: Coroutine[Any, Any, dict[str, Any]]) -> None:
    """A child's measurement, quiet, its result as the last line of stdout."""
    import logging

    import uvloop

    from kit.logging import configure_logging

    configure_logging("bench", level="WARNING")
    logging.disable(logging.WARNING)
    print(json.dumps(uvloop.run(work)))


def compare(
    args: argparse.Namespace,
    *,
    script: Path,
    label: str,
    title: str,
    fill: Callable[[str], None] | None = None,
    child_args: Sequence[str] = (),
) -> None:
    """Rounds of `script`'s child (given `child_args` besides the harness's), one per
    tree and backend (alternately, the order swapped each round), each on a fresh
    database, on one NATS server (`fill` puts the untimed events there first) and one
    PostgreSQL; a table per backend, a row per pass (each of the child's results that
    is a dict of figures)."""
    from bench import common

    trees: list[tuple[str, Path]] = [("after", script.parents[1])]
    if args.before:
        trees.insert(0, ("before", args.before.resolve()))
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    print(common.machine_facts("uvloop"))
    with ExitStack() as stack:
        server = stack.enter_context(common.nats_server())
        tmp = stack.enter_context(common.temp_dir(label))
        pg = common.postgres_if_asked(stack, backends)
        if fill is not None:
            fill(server.url)
        for backend in backends:
            results: dict[str, list[dict[str, Any]]] = {name: [] for name, _ in trees}
            for round_ in range(args.rounds):
                order = trees if round_ % 2 == 0 else trees[::-1]
                for name, tree in order:
                    db = f"{label}-{backend}-{name}-{round_}-{uuid4().hex[:6]}".replace("-", "_")
                    if backend == "sqlite":
                        url = common.sqlite_url(tmp / f"{db}.db")
                    else:
                        assert pg is not None
                        url = pg.create_database(db)
                    args_ = ["--nats", server.url, "--nats-pid", str(server.pid), "--db", url]
                    args_ += ["--n", str(args.n), "--fetch", args.fetch, "--tmp", str(tmp)]
                    result = _run_tree(tree, [*args_, *child_args], script)
                    results[name].append(result)
                    passes = [p for p, r in result.items() if isinstance(r, dict)]
                    cells = "  ".join(
                        f"{p}: {r['us']:6.0f} µs nats {r['nats_us']:5.0f} µs {r['msgs']:4.2f} msgs"
                        for p, r in ((p, result[p]) for p in passes)
                    )
                    which = f"  [{','.join(result['consumers'])}]" if "consumers" in result else ""
                    print(f"{backend} round {round_ + 1} {name:6} {cells}{which}", flush=True)
            rows = [
                [
                    backend,
                    pass_,
                    name,
                    _summary(rs, pass_, "us"),
                    _summary(rs, pass_, "nats_us"),
                    _summary(rs, pass_, "msgs"),
                    _summary(rs, pass_, "calls"),
                ]
                for pass_ in passes
                for name, rs in results.items()
            ]
            common.report(
                f"{backend}: {title}, {args.n:,} events a fetch size, median of "
                f"{args.rounds} rounds (load average {os.getloadavg()[0]:.1f})",
                [
                    "backend",
                    "fetch",
                    "tree",
                    "CPU µs/event (range)",
                    "nats-server µs/event (range)",
                    "NATS msgs/event",
                    "Python calls/event",
                ],
                rows,
            )


def main() -> None:
    p = parser(__doc__, n=1000)
    p.add_argument(
        "--burst", type=int, default=0, help="events of a paced burst to 4 consumers (0: none)"
    )
    p.add_argument("--publish", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.publish:
        asyncio.run(_publish_burst(args.nats, args.publish, args.n))
        return
    if args.child:
        fetches = fetch_sizes(args)
        run_child(_child(args.nats, args.nats_pid, args.db, args.n, fetches, args.burst))
        return
    # Every child consumes the same events with durables of its own.
    subjects = {
        f"{SUBJECT}.warm": WARMUP,
        f"{SUBJECT}.timed": args.n,
        f"{SUBJECT}.profiled": PROFILED,
    }
    compare(
        args,
        script=HERE,
        label="consumer-cost",
        title=f"CPU per event (burst: per event and consumer, {args.burst:,} events)",
        fill=lambda url: asyncio.run(_fill(url, subjects)),
        child_args=["--burst", str(args.burst)],
    )


if __name__ == "__main__":
    main()
