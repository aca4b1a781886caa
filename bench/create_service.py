"""The engagement service's part of createEngagement: CPU per mutation, in process.

    python -m bench.create_service [--n 1000] [--rounds 3] [--backend both] [--keyed]
                                   [--before TREE] [--profile FILE]

Each round runs in a fresh process on a fresh migrated database (SQLite, or a new
database on an embedded PostgreSQL): one unit linked to one agency, then `--n`
createEngagement commands one after another through the service's own handler
(`kit.endpoints.command` around `create_engagement`, as `services.engagement.endpoints`
registers it), each parsed from its JSON and its reply encoded as `RpcServer` does. No
NATS and no gateway: the figure is the service's CPU (this process, all threads, so
aiosqlite's worker counts; PostgreSQL's server does not) per mutation.

`--before TREE` runs every round a second time with the code of another worktree
(e.g. a detached checkout of main) first on the import path, the two alternating, so
both see the same load of the machine. `--keyed` sends each with an idempotency key, as
a client with `Idempotency-Key` does. `--profile FILE` writes a cProfile (CPU time) of one
round (this tree) to FILE instead of timing.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from contextlib import ExitStack
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

HERE = Path(__file__).resolve().parent.parent
WARM_UP = 50


async def _prepare(url: str) -> tuple[str, str]:
    """A fresh database migrated, with one unit linked to one agency: (agency, unit)."""
    from services.engagement import app
    from tests.engagement.linked_unit import linked_unit
    from tests.infra.databases import migrated_database

    async with migrated_database(url, "engagement", app.MIGRATIONS) as db:
        agency, unit = await linked_unit(db)
    return str(agency), str(unit)


def create_request(agency: UUID, unit: UUID) -> str:
    """The createEngagement request the benches send: the agency's unit, a year, roving."""
    from contracts.core import Scope
    from contracts.engagement import rpc

    return rpc.CreateEngagementRequest(
        unit_id=unit,
        agency_id=agency,
        service_modes=["roving"],
        period_start=date(2027, 1, 1),
        period_end=date(2027, 12, 31),
        scope=Scope(agency_id=agency),
    ).model_dump_json()


async def _measure(
    url: str, agency: UUID, unit: UUID, n: int, keyed: bool, profile: str | None
) -> dict[str, Any]:
    """One round in this process: warm up, then `n` commands timed (or profiled)."""
    import kit
    from contracts.engagement import rpc
    from kit.db import Database
    from kit.endpoints import command
    from kit.rpc import CallContext, RawReply
    from kit.runtime import ServiceRuntime
    from kit.settings import ServiceSettings
    from services.engagement.models import messaging
    from services.engagement.workflow.commands import engagements

    db = Database(url, schema="engagement")
    try:
        runtime = ServiceRuntime(
            name="engagement", settings=ServiceSettings(), db=db, tables=messaging
        )
        handle = command(runtime, engagements.create_engagement)
        body = create_request(agency, unit)

        async def one(i: int) -> bytes:
            ctx = CallContext(
                actor="user:bench",
                tenant=f"agency:{agency}",
                correlation_id=f"bench-{i}",
                idempotency_key=f"bench-{i}" if keyed else None,
            )
            request = rpc.CREATE_ENGAGEMENT.request.model_validate_json(body)
            result = await handle(request, ctx)
            return (
                result.body if isinstance(result, RawReply) else result.model_dump_json().encode()
            )

        for i in range(WARM_UP):
            await one(-1 - i)
        if profile is not None:
            import cProfile

            profiler = cProfile.Profile(time.process_time)  # CPU, not waits
            profiler.enable()
            for i in range(n):
                await one(i)
            profiler.disable()
            profiler.dump_stats(profile)
            return {"kit": kit.__file__}
        start = time.process_time()
        for i in range(n):
            await one(i)
        cpu = time.process_time() - start
    finally:
        await db.dispose()
    return {"kit": kit.__file__, "us": cpu / n * 1e6}


def _child(args: argparse.Namespace) -> None:
    import uvloop

    from kit.logging import configure_logging

    configure_logging("bench", level="WARNING", fmt="console")
    result = uvloop.run(
        _measure(args.url, args.agency, args.unit, args.n, args.keyed, args.profile)
    )
    print(json.dumps(result))


def _round(tree: Path, url: str, n: int, keyed: bool, profile: str | None = None) -> float:
    """One round in a new process with `tree`'s code first on the import path, on a
    database prepared here (the same schema in both trees)."""
    import uvloop

    agency, unit = uvloop.run(_prepare(url))
    env = {**os.environ, "PYTHONPATH": str(tree)}
    # -P: not this script's folder first on the path (bench/calendar.py is no stdlib).
    cmd = [
        sys.executable,
        "-P",
        str(Path(__file__).resolve()),
        "--child",
        "--url",
        url,
        "--n",
        str(n),
        "--agency",
        agency,
        "--unit",
        unit,
    ]
    cmd += ["--keyed"] if keyed else []
    cmd += ["--profile", profile] if profile else []
    out = subprocess.run(cmd, env=env, cwd=tree, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"round in {tree} failed:\n{out.stderr[-3000:]}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert Path(result["kit"]).is_relative_to(tree), result  # the tree asked for ran
    return float(result.get("us", 0.0))


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=1000, help="commands per round (default 1,000)")
    p.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    p.add_argument("--loop", default="uvloop", help=argparse.SUPPRESS)
    p.add_argument("--rounds", type=int, default=3, help="rounds per tree (default 3)")
    p.add_argument("--before", type=Path, help="another worktree, run alternately")
    p.add_argument("--keyed", action="store_true", help="send each with an idempotency key")
    p.add_argument("--profile", help="write a cProfile of one round here instead")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--url", help=argparse.SUPPRESS)
    p.add_argument("--agency", type=UUID, help=argparse.SUPPRESS)
    p.add_argument("--unit", type=UUID, help=argparse.SUPPRESS)
    return p


def main() -> None:
    from bench import common, trees  # not in a child: its tree's code must come first

    args = _parser().parse_args()
    backends = common.start(args)
    named = trees.trees(args.before)
    with ExitStack() as stack:
        fresh_url = trees.fresh_databases(stack, backends, "create-service")

        if args.profile:
            _round(HERE, fresh_url(backends[0]), args.n, args.keyed, args.profile)
            print(f"profile of {args.n} commands ({backends[0]}) in {args.profile}")
            return
        rows = []
        for backend in backends:
            figures: dict[str, list[float]] = {name: [] for name, _ in named}
            for _ in range(args.rounds):
                for name, tree in trees.in_order(named):
                    figures[name].append(_round(tree, fresh_url(backend), args.n, args.keyed))
            for name, _ in named:
                us = figures[name]
                spread = f"{min(us):,.0f}–{max(us):,.0f}"
                rows.append([backend, name, f"{statistics.median(us):,.0f}", spread])
    key = "with" if args.keyed else "without"
    common.report(
        f"createEngagement in the engagement service, {key} an idempotency key: {args.n} "
        f"per round, {args.rounds} rounds, CPU µs per mutation (median, range)",
        ["backend", "code", "µs per mutation", "range"],
        rows,
    )


if __name__ == "__main__":
    if "--child" in sys.argv:
        _child(_parser().parse_args())
    else:
        sys.path.insert(0, str(HERE))
        from bench import common

        common.run_main(main)
