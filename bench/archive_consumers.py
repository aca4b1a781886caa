"""The archive's consumers of `engagement.created`: CPU per event, in process, on NATS.

    python -m bench.archive_consumers [--n 600] [--fetch 1,3,100] [--rounds 5]
                                      [--backend sqlite|postgresql|both] [--before TREE]

Every engagement.created reaches the archive. Before its one consumer it took two
(`archive-trace`: the ledger; `archive-filing`: the parties), each paying the per-event
fixed cost (fetch, parse, transaction, inbox row, ack); `bench.intake` times the
handlers without NATS and leaves that out. Here the tree's own
`services.archive.app.subscriptions` are run, every one of them whose subjects take
engagement.created, each as an `kit.consumer.EventConsumer` fetching `--fetch` events
at a time (no linger), on the real archive database (the migrations) and a local store.

Each pass: the stream purged and the durables deleted, `n` creations published (each of
a new engagement), the consumers declared (all untimed); then the clock runs until every
consumer has applied all `n`. Per fetch size a warm-up pass, the timed pass, and a
profiled pass (Python calls per event on the event loop's thread, cProfile).

Each round and tree runs in a fresh process and a fresh database (`--before TREE`:
that worktree's code, the two alternating, the order swapped each round), on one NATS
server and one PostgreSQL. CPU: `time.process_time` of the process (all its threads,
so aiosqlite's worker counts; nats-server and PostgreSQL do not). Medians over rounds,
ranges beside them.
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
from collections.abc import Sequence
from contextlib import ExitStack, suppress
from pathlib import Path
from typing import Any
from uuid import uuid4

HERE = Path(__file__).resolve()
WARMUP = 60
PROFILED = 300
CREATED = "ecohost.events.engagement.created.v1"


def _takes_creations(subjects: Sequence[str]) -> bool:
    from contracts.core import EVERY_EVENT_SUBJECT

    return EVERY_EVENT_SUBJECT in subjects or CREATED in subjects


async def _publish(js: Any, n: int) -> None:
    """`n` creations, each of a new engagement (untimed)."""
    from bench.intake import _created
    from kit.logging import CORRELATION_HEADER

    for e in _created(n):
        await js.publish(
            e.subject,
            e.model_dump_json().encode(),
            headers={"Nats-Msg-Id": str(e.event_id), CORRELATION_HEADER: e.correlation_id},
        )


async def _pass(
    js: Any, db: Any, subs: Sequence[Any], n: int, fetch: int, profiler: cProfile.Profile | None
) -> float:
    """One pass of `n` fresh events through every consumer; the CPU seconds it took."""
    from nats.js.errors import NotFoundError

    from contracts.core import EVENT_STREAM
    from kit.consumer import EventConsumer
    from services.archive.models import messaging

    await js.purge_stream(EVENT_STREAM)
    for sub in subs:
        with suppress(NotFoundError):
            await js.delete_consumer(EVENT_STREAM, sub.durable)
    await _publish(js, n)
    finished = asyncio.Event()
    consumers: list[EventConsumer] = []

    def after_commit() -> None:
        if all(c.applied >= n for c in consumers):
            finished.set()

    for sub in subs:
        consumer = EventConsumer(
            js=js,
            db=db,
            tables=messaging,
            durable=sub.durable,
            filter_subjects=sub.subjects,
            handler=sub.handler,
            events=sub.events,
            batch=fetch,
            batch_handler=sub.batch_handler,
            after_commit=after_commit,
        )
        await consumer.declare()  # outside the clock: once per consumer's life
        consumers.append(consumer)
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


async def _child(nats_url: str, db_url: str, n: int, fetches: Sequence[int], tmp: Path) -> Any:
    import nats

    import kit
    from kit.bus import ensure_event_stream
    from kit.storage.local import LocalStore
    from services.archive import app
    from services.archive.catalogue.deps import CatalogueDeps
    from services.archive.ledger.signing import signer_from_seed
    from services.archive.settings import ArchiveSettings
    from tests.infra.databases import migrated_database

    store = LocalStore(tmp / f"objects-{uuid4().hex[:8]}", signing_key=b"k", base_url="http://x")
    signer = signer_from_seed("bench.ecohost/ledger", "B" * 43 + "=")
    deps = CatalogueDeps(store=store, settings=ArchiveSettings(), signer=signer)
    subs = [s for s in app.subscriptions(deps) if _takes_creations(s.subjects)]
    result: dict[str, Any] = {"kit": kit.__file__, "consumers": [s.durable for s in subs]}
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        await ensure_event_stream(js)
        async with migrated_database(db_url, "archive", app.MIGRATIONS) as db:
            for fetch in fetches:
                await _pass(js, db, subs, WARMUP, fetch, None)
                cpu = await _pass(js, db, subs, n, fetch, None)
                profiler = cProfile.Profile()
                await _pass(js, db, subs, PROFILED, fetch, profiler)
                stats = pstats.Stats(profiler)
                calls = stats.total_calls  # type: ignore[attr-defined]
                result[str(fetch)] = {"us": cpu / n * 1e6, "calls": calls / PROFILED}
                if os.environ.get("BENCH_PROFILE"):
                    stats.stream = sys.stderr  # type: ignore[attr-defined]
                    print(f"--- fetch {fetch}", file=sys.stderr)
                    stats.sort_stats("tottime").print_stats(25)
    finally:
        await nc.close()
    return result


def _run_tree(tree: Path, args: list[str]) -> dict[str, Any]:
    """One round in a fresh process against `tree`'s code."""
    env = dict(os.environ, PYTHONPATH=str(tree))
    code = f"import runpy; runpy.run_path({str(HERE)!r}, run_name='__main__')"
    done = subprocess.run(
        [sys.executable, "-P", "-c", code, "--child", *args],
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
    assert Path(result["kit"]).is_relative_to(tree), result  # the tree asked for ran
    return result


def _summary(rounds: list[dict[str, Any]], fetch: int, key: str) -> str:
    values = [r[str(fetch)][key] for r in rounds]
    mid = statistics.median(values)
    if key == "calls":
        return f"{mid:,.0f}"
    return f"{mid:,.0f} ({min(values):,.0f}–{max(values):,.0f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--n", type=int, default=600, help="events per timed pass (600)")
    parser.add_argument("--fetch", default="1,3,100", help="fetch sizes (default 1,3,100)")
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--before", type=Path, help="a worktree to compare with")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--nats", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--tmp", help=argparse.SUPPRESS)
    args = parser.parse_args()
    fetches = [int(f) for f in args.fetch.split(",")]
    if args.child:
        import logging

        import uvloop

        from kit.logging import configure_logging

        configure_logging("bench", level="WARNING")
        logging.disable(logging.WARNING)
        run = _child(args.nats, args.db, args.n, fetches, Path(args.tmp))
        print(json.dumps(uvloop.run(run)))
        return
    from bench import common

    trees: list[tuple[str, Path]] = [("after", HERE.parents[1])]
    if args.before:
        trees.insert(0, ("before", args.before.resolve()))
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    print(common.machine_facts("uvloop"))
    with ExitStack() as stack:
        server = stack.enter_context(common.nats_server())
        tmp = stack.enter_context(common.temp_dir("archive-consumers"))
        pg = common.postgres_if_asked(stack, backends)
        for backend in backends:
            results: dict[str, list[dict[str, Any]]] = {name: [] for name, _ in trees}
            for round_ in range(args.rounds):
                order = trees if round_ % 2 == 0 else trees[::-1]
                for name, tree in order:
                    label = f"{backend}-{name}-{round_}-{uuid4().hex[:6]}"
                    if backend == "sqlite":
                        url = common.sqlite_url(tmp / f"{label}.db")
                    else:
                        assert pg is not None
                        url = pg.create_database(f"archive_{label.replace('-', '_')}")
                    child_args = ["--nats", server.url, "--db", url, "--n", str(args.n)]
                    child_args += ["--tmp", str(tmp), "--fetch", args.fetch]
                    result = _run_tree(tree, child_args)
                    results[name].append(result)
                    cells = "  ".join(
                        f"fetch {f}: {r['us']:7.0f} µs {r['calls']:6.0f} calls"
                        for f, r in ((f, result[str(f)]) for f in fetches)
                    )
                    consumers = ",".join(result["consumers"])
                    print(f"{backend} round {round_ + 1} {name:6} {cells}  [{consumers}]")
            rows = [
                [backend, fetch, name, _summary(rs, fetch, "us"), _summary(rs, fetch, "calls")]
                for fetch in fetches
                for name, rs in results.items()
            ]
            common.report(
                f"{backend}: the archive's consumers of engagement.created, CPU per event, "
                f"{args.n:,} events, median of {args.rounds} rounds "
                f"(load average {os.getloadavg()[0]:.1f})",
                ["backend", "fetch", "tree", "CPU µs/event (range)", "Python calls/event"],
                rows,
            )


if __name__ == "__main__":
    main()
