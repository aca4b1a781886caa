"""Consumer fixed cost: CPU per event at the small fetches of a burst, against another tree.

    python -m bench.consumer_cost [--n 1000] [--fetch 1,3,100] [--backend sqlite|postgresql|both]
                                  [--rounds 5] [--before TREE]

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
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import pstats
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
SUBJECT = "ecohost.events.engagement.created.v1"  # + .warm, .timed, .profiled


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


async def _consume(
    js: Any, db: Any, subject: str, n: int, fetch: int, profiler: cProfile.Profile | None
) -> float:
    """Apply the `n` events of `subject` with a fresh durable consumer fetching `fetch`
    at a time; returns the CPU seconds it took."""
    from sqlalchemy import insert

    from bench.consumer import applied, tables
    from contracts.engagement.events import EngagementCreatedV1
    from kit.consumer import EventConsumer
    from kit.inbox import one_after_another

    finished = asyncio.Event()

    async def handler(session: Any, event: Any) -> None:
        await session.execute(insert(applied), {"event_id": event.event_id, "note": "cost"})

    def after_commit() -> None:
        if consumer.applied >= n:
            finished.set()

    consumer = EventConsumer(
        js=js,
        db=db,
        tables=tables,
        durable=f"cost-{uuid4().hex[:12]}",
        filter_subjects=[subject],
        handler=handler,
        events=[EngagementCreatedV1],
        batch=fetch,
        batch_handler=one_after_another(handler),
        after_commit=after_commit,
    )
    await consumer.declare()  # outside the clock: once per consumer's life
    return await timed_run([consumer], finished, n, fetch, profiler)


async def timed_run(
    consumers: Sequence[Any],
    finished: asyncio.Event,
    n: int,
    fetch: int,
    profiler: cProfile.Profile | None,
) -> float:
    """Run the declared `consumers` until `finished` is set (each has applied its `n`
    events); the CPU seconds it took, with `profiler` on if given."""
    stop = asyncio.Event()
    started = time.process_time()
    if profiler is not None:
        profiler.enable()
    tasks = [asyncio.create_task(c.run(stop)) for c in consumers]
    try:
        await asyncio.wait_for(finished.wait(), timeout=600)
    finally:
        stop.set()
        if profiler is not None:
            profiler.disable()
    cpu = time.process_time() - started
    await asyncio.gather(*tasks)
    for c in consumers:
        if c.applied != n or c.duplicates or c.dead_lettered:
            raise RuntimeError(f"{c.durable}, fetch {fetch}: {c.applied} applied of {n}")
    return cpu


async def _child(nats_url: str, db_url: str, n: int, fetches: Sequence[int]) -> dict[str, Any]:
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

        async def one_pass(
            kind: str, count: int, fetch: int, profiler: cProfile.Profile | None
        ) -> float:
            return await _consume(js, db, f"{SUBJECT}.{kind}", count, fetch, profiler)

        result.update(await per_fetch(fetches, n, one_pass))
    finally:
        await db.dispose()
        await nc.close()
    return result


Pass = Callable[[str, int, int, "cProfile.Profile | None"], Awaitable[float]]


async def per_fetch(fetches: Sequence[int], n: int, one_pass: Pass) -> dict[str, Any]:
    """Per fetch size: a warm-up pass of WARMUP events, the timed pass of `n`, a
    profiled pass of PROFILED (`one_pass(kind, count, fetch, profiler)`, kind `warm`,
    `timed` or `profiled`, returns CPU seconds); CPU µs and Python calls per event."""
    result: dict[str, Any] = {}
    for fetch in fetches:
        await one_pass("warm", WARMUP, fetch, None)
        cpu = await one_pass("timed", n, fetch, None)
        profiler = cProfile.Profile()
        await one_pass("profiled", PROFILED, fetch, profiler)
        stats = pstats.Stats(profiler)
        calls = stats.total_calls  # type: ignore[attr-defined]
        result[str(fetch)] = {"us": cpu / n * 1e6, "calls": calls / PROFILED}
        if os.environ.get("BENCH_PROFILE"):
            stats.stream = sys.stderr  # type: ignore[attr-defined]
            print(f"--- fetch {fetch}", file=sys.stderr)
            stats.sort_stats("tottime").print_stats(25)
            stats.sort_stats("cumulative").print_stats(60)
    return result


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


def _summary(rounds: list[dict[str, Any]], fetch: int, key: str) -> str:
    values = [r[str(fetch)][key] for r in rounds]
    mid = statistics.median(values)
    if key == "calls":
        return f"{mid:,.0f}"
    return f"{mid:,.0f} ({min(values):,.0f}–{max(values):,.0f})"


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
) -> None:
    """Rounds of `script`'s child, one per tree and backend (alternately, the order
    swapped each round), each on a fresh database, on one NATS server (`fill` puts the
    untimed events there first) and one PostgreSQL; a table per backend."""
    from bench import common

    fetches = [int(f) for f in args.fetch.split(",")]
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
                    child_args = ["--nats", server.url, "--db", url, "--n", str(args.n)]
                    child_args += ["--fetch", args.fetch, "--tmp", str(tmp)]
                    result = _run_tree(tree, child_args, script)
                    results[name].append(result)
                    cells = "  ".join(
                        f"fetch {f}: {r['us']:7.0f} µs {r['calls']:6.0f} calls"
                        for f, r in ((f, result[str(f)]) for f in fetches)
                    )
                    which = f"  [{','.join(result['consumers'])}]" if "consumers" in result else ""
                    print(f"{backend} round {round_ + 1} {name:6} {cells}{which}", flush=True)
            rows = [
                [backend, fetch, name, _summary(rs, fetch, "us"), _summary(rs, fetch, "calls")]
                for fetch in fetches
                for name, rs in results.items()
            ]
            common.report(
                f"{backend}: {title}, {args.n:,} events, median of {args.rounds} rounds "
                f"(load average {os.getloadavg()[0]:.1f})",
                ["backend", "fetch", "tree", "CPU µs/event (range)", "Python calls/event"],
                rows,
            )


def main() -> None:
    args = parser(__doc__, n=1000).parse_args()
    fetches = [int(f) for f in args.fetch.split(",")]
    if args.child:
        run_child(_child(args.nats, args.db, args.n, fetches))
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
        title="CPU per event",
        fill=lambda url: asyncio.run(_fill(url, subjects)),
    )


if __name__ == "__main__":
    main()
