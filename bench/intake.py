"""The services' intake of `engagement.created`: CPU per event, in process.

    python -m bench.intake [--n 600] [--rounds 3] [--backend both] [--sizes 1,3,100]
                           [--before TREE] [--calls]

For each consumer of a new engagement (evaluation's `evaluation-workflow`, compliance's
`compliance-engagements`, the archive's filing handlers of `archive-filing`: since the
archive's one consumer those of the retired durable, the filing part alone; the whole
consumer, ledger included, on NATS: `bench.archive_consumers`), `--n` creation events, parsed
beforehand as the consumer parses them, are applied in batches of each `--sizes` as the
consumer applies them: a batch of one by `kit.inbox.apply_once` with the subscription's
handler, a larger one by `kit.inbox.apply_batch_once` with its batch handler (one
transaction, the inbox rows beside the service's). Every event is a new engagement of a
unit of its own (the evaluation's directory knows each unit: its region is looked up).

The baseline, in the same process and database: the rows the service stores for each
event (evaluation: the registration; compliance: the engagement's link and the unit's
serving agency; the archive: the parties) and the inbox rows, inserted directly by one
SQLAlchemy Core executemany per table, one transaction per batch of the same size.

Each round runs in a fresh process on fresh migrated databases (SQLite files, or new
databases on an embedded PostgreSQL); the figure is that process's CPU (all threads, so
aiosqlite's worker counts; PostgreSQL's server does not) per event. `--before TREE` runs
every round a second time with another worktree's code first on the import path, the
two alternating (before first). `--calls` counts Python function calls per event instead
(cProfile, one round per tree), a figure the machine's load does not move.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from contextlib import ExitStack
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent.parent
SERVICES = ("evaluation", "compliance", "archive")
BASELINE = 0  # the batch "size" under which a baseline's figure is reported
WARM_UP = 2  # batches applied before timing, in each size


def _created(n: int) -> list[Any]:
    """`n` creations, each of a new unit, as the consumer parses them off the wire."""
    from contracts.core import EventParser
    from contracts.engagement.event_data import EngagementCreatedData
    from contracts.engagement.events import EngagementCreatedV1
    from kit.events import make_event
    from kit.ids import new_id
    from kit.rpc import CallContext

    agency = new_id()
    ctx = CallContext(actor="user:bench", tenant=f"agency:{agency}", correlation_id="bench")
    parse = EventParser((EngagementCreatedV1,))
    events = []
    for _ in range(n):
        engagement = new_id()
        data = EngagementCreatedData(
            engagement_id=engagement,
            unit_id=new_id(),
            agency_id=agency,
            service_modes=["roving"],
            period_start=date(2027, 1, 1),
            period_end=date(2027, 12, 31),
            status="preparation",
        )
        event = make_event(EngagementCreatedV1, ctx, data, engagement_id=engagement)
        events.append(parse(event.model_dump_json().encode()))
    return events


def _rows(service: str, events: Sequence[Any]) -> dict[Any, list[dict[str, Any]]]:
    """The service's rows for these creations, by table, for the baseline."""
    now = datetime.now(UTC)
    if service == "evaluation":
        from services.evaluation.models import EngagementRegistration

        table: Any = EngagementRegistration.__table__
        return {
            table: [
                {
                    "engagement_id": e.data.engagement_id,
                    "unit_id": e.data.unit_id,
                    "agency_id": e.data.agency_id,
                    "source_event_id": e.event_id,
                    "registered_at": now,
                    "period_start": e.data.period_start,
                    "period_end": e.data.period_end,
                    "region_code": "440305",
                    "assessment": None,
                    "fee_terms": None,
                    "client_id": None,
                }
                for e in events
            ]
        }
    # The compliance's engagement link and the archive's parties have the same columns.
    owners = [
        {
            "engagement_id": e.data.engagement_id,
            "unit_id": e.data.unit_id,
            "agency_id": e.data.agency_id,
            "client_id": None,
        }
        for e in events
    ]
    if service == "compliance":
        from services.compliance.models import EngagementLink, UnitAgency

        served = [{"unit_id": e.data.unit_id, "agency_id": e.data.agency_id} for e in events]
        return {EngagementLink.__table__: owners, UnitAgency.__table__: served}
    from services.archive.catalogue.models import EngagementParties

    return {EngagementParties.__table__: owners}


def _consumer(service: str, tmp: Path) -> tuple[Any, Any, Path]:
    """(subscription, messaging tables, migrations) of the service's consumer of
    engagement.created."""
    app = importlib.import_module(f"services.{service}.app")
    tables = importlib.import_module(f"services.{service}.models").messaging
    if service != "archive":
        handlers = importlib.import_module(f"services.{service}.handlers")
        return handlers.ENGAGEMENTS, tables, app.MIGRATIONS
    from kit.storage.local import LocalStore
    from services.archive.catalogue import handlers as catalogue
    from services.archive.catalogue.deps import CatalogueDeps
    from services.archive.ledger.signing import signer_from_seed
    from services.archive.settings import ArchiveSettings

    store = LocalStore(tmp / "objects", signing_key=b"k", base_url="http://x/files")
    signer = signer_from_seed("bench.ecohost/ledger", "B" * 43 + "=")
    deps = CatalogueDeps(store=store, settings=ArchiveSettings(), signer=signer)
    # Its name before the archive's one consumer, so a `--before` tree of then runs too.
    filing = getattr(catalogue, "retired_filing_subscription", None)
    filing = filing or catalogue.filing_subscription  # type: ignore[attr-defined]
    return filing(deps), tables, app.MIGRATIONS


async def _know_units(db: Any, events: Sequence[Any]) -> None:
    """The evaluation's directory knows each unit (a region to look up), written directly."""
    from sqlalchemy import insert

    from kit.ids import new_id
    from services.evaluation.models import UnitDirectoryEntry

    rows = [
        {
            "unit_id": e.data.unit_id,
            "name": "绿源化工有限公司",
            "uscc": "91440300MA5F00000X",
            "region_code": "440305",
            "source_event_id": new_id(),
        }
        for e in events
    ]
    async with db.transaction() as session:
        await session.execute(insert(UnitDirectoryEntry), rows)


async def _timed(
    work: Callable[[Sequence[Any]], Awaitable[object]],
    events: Sequence[Any],
    size: int,
    calls: bool,
) -> float:
    """CPU µs (or Python calls, with `calls`) per event of `work` over `events` in
    batches of `size`, after warming up on the first batches."""
    batches = [events[i : i + size] for i in range(0, len(events), size)]
    for batch in batches[:WARM_UP]:
        await work(batch)
    timed = batches[WARM_UP:]
    count = sum(len(b) for b in timed)
    if calls:
        import cProfile
        import pstats

        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
        for batch in timed:
            await work(batch)
        profiler.disable()
        return float(pstats.Stats(profiler).total_calls) / count  # type: ignore[attr-defined]
    start = time.process_time()
    for batch in timed:
        await work(batch)
    return (time.process_time() - start) / count * 1e6


async def _measure(
    service: str, url: str, n: int, sizes: Sequence[int], calls: bool, tmp: Path
) -> dict[int, float]:
    """One service in this process: its consumer at each batch size, then the baseline
    at each, each on events of their own."""
    from sqlalchemy import insert

    from kit.inbox import apply_batch_once, apply_once
    from tests.infra.databases import migrated_database

    sub, tables, migrations = _consumer(service, tmp)
    durable = sub.durable
    figures: dict[int, float] = {}
    async with migrated_database(url, service, migrations) as db:

        async def consume(batch: Sequence[Any]) -> None:
            if len(batch) == 1:
                await apply_once(db, tables, durable, batch[0], sub.handler)
            else:
                await apply_batch_once(db, tables, durable, batch, sub.batch_handler)

        async def baseline(batch: Sequence[Any]) -> None:
            now = datetime.now(UTC)
            inbox = [
                {"consumer": durable, "event_id": e.event_id, "event_type": e.type,
                 "processed_at": now}
                for e in batch
            ]  # fmt: skip
            async with db.transaction() as session:
                await session.execute(insert(tables.inbox), inbox)
                for table, rows in _rows(service, batch).items():
                    await session.execute(insert(table), rows)

        for size in sizes:
            events = _created(n + WARM_UP * size)
            if service == "evaluation":
                await _know_units(db, events)
            figures[size] = await _timed(consume, events, size, calls)
        for size in sizes:
            figures[-size] = await _timed(baseline, _created(n + WARM_UP * size), size, calls)
    return figures


def _child(args: argparse.Namespace) -> None:
    import uvloop

    import kit
    from kit.logging import configure_logging

    configure_logging("bench", level="WARNING", fmt="console")
    urls = json.loads(args.urls)
    sizes = [int(s) for s in args.sizes.split(",")]
    result: dict[str, Any] = {"kit": kit.__file__}
    for service in SERVICES:
        figures = uvloop.run(
            _measure(service, urls[service], args.n, sizes, args.calls, Path(args.tmp))
        )
        result[service] = {str(k): v for k, v in figures.items()}
    print(json.dumps(result))


def _round(tree: Path, urls: dict[str, str], args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    """One round in a new process with `tree`'s code first on the import path."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    # -P: not this script's folder first on the path (bench/calendar.py is no stdlib).
    cmd = [sys.executable, "-P", str(Path(__file__).resolve()), "--child"]
    cmd += ["--urls", json.dumps(urls), "--n", str(args.n), "--sizes", args.sizes]
    cmd += ["--tmp", str(tmp)]
    cmd += ["--calls"] if args.calls else []
    out = subprocess.run(cmd, env=env, cwd=tree, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"round in {tree} failed:\n{out.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    assert Path(result["kit"]).is_relative_to(tree), result  # the tree asked for ran
    return result


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    p.add_argument("--n", type=int, default=600, help="events per size and service (600)")
    p.add_argument("--sizes", default="1,3,100", help="batch sizes (default 1,3,100)")
    p.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    p.add_argument("--loop", default="uvloop", help=argparse.SUPPRESS)
    p.add_argument("--rounds", type=int, default=3, help="rounds per tree (default 3)")
    p.add_argument("--before", type=Path, help="another worktree, run alternately")
    p.add_argument("--calls", action="store_true", help="Python calls per event instead")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--urls", help=argparse.SUPPRESS)
    p.add_argument("--tmp", help=argparse.SUPPRESS)
    return p


def main() -> None:
    from bench import common  # not in a child: its tree's code must come first

    args = _parser().parse_args()
    backends = common.start(args)
    trees = [("after", HERE)] + ([("before", args.before.resolve())] if args.before else [])
    rounds = 1 if args.calls else args.rounds
    counter = iter(range(10**6))
    rows = []
    with ExitStack() as stack:
        tmp = stack.enter_context(common.temp_dir("intake"))
        pg = common.postgres_if_asked(stack, backends)

        def fresh_urls(backend: str) -> dict[str, str]:
            k = next(counter)
            if backend == "sqlite":
                return {s: common.sqlite_url(tmp / f"{s}-{k}.db") for s in SERVICES}
            assert pg is not None
            return {s: pg.create_database(f"bench_intake_{s}_{k}") for s in SERVICES}

        for backend in backends:
            runs: dict[str, list[dict[str, Any]]] = {name: [] for name, _ in trees}
            for _ in range(rounds):
                for name, tree in reversed(trees):  # before first in each pair
                    runs[name].append(_round(tree, fresh_urls(backend), args, tmp))
            rows += _table_rows(backend, args.sizes, trees, runs)
    unit = "Python calls" if args.calls else "CPU µs"
    common.report(
        f"engagement.created applied by each service's consumer: {args.n} events per batch "
        f"size, {rounds} round(s) per tree, {unit} per event (median, range); baseline: the "
        "same rows and inbox rows by one Core executemany per table",
        ["backend", "service", "batch", *[name for name, _ in trees], "baseline", "ratio"],
        rows,
    )


def _table_rows(
    backend: str, sizes: str, trees: Sequence[tuple[str, Path]], runs: dict[str, list[Any]]
) -> list[list[str]]:
    def cell(values: list[float]) -> str:
        middle = f"{statistics.median(values):,.0f}"
        return middle if len(values) == 1 else f"{middle} ({min(values):,.0f}–{max(values):,.0f})"

    rows = []
    for service in SERVICES:
        for size in sizes.split(","):
            medians = {}
            cells = []
            for name, _ in trees:
                values = [run[service][size] for run in runs[name]]
                medians[name] = statistics.median(values)
                cells.append(cell(values))
            base = [run[service][f"-{size}"] for name, _ in trees for run in runs[name]]
            ratio = medians["after"] / medians["before"] if "before" in medians else 1.0
            rows.append([backend, service, size, *cells, cell(base), f"{ratio:.2f}"])
    return rows


if __name__ == "__main__":
    if "--child" in sys.argv:
        _child(_parser().parse_args())
    else:
        sys.path.insert(0, str(HERE))
        from bench import common

        common.run_main(main)
