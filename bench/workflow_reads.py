"""The engagement service's reads of the dashboard that write their replies from rows
(`engagement.workflow`, `unit.get_many`) in process, this tree against another, on
SQLite and PostgreSQL.

    .venv/bin/python -m bench.workflow_reads --before /work/wt/main-base
    .venv/bin/python -m bench.workflow_reads --before TREE --n 300 --pairs 3 --backend sqlite

One agency's 50 engagements and their units, seeded through the service's own use
cases as the dashboard's bench seeds them (two list items each, an inspection done on
the first), in a SQLite file and an embedded PostgreSQL database. Then, for each read,
pair after pair, a process of each tree (its own `.venv/bin/python` if it has one, its
code first on the path: this file's imports resolve to that tree) makes the dashboard's
request (`GET_WORKFLOWS` for the 50 with the parts `list_items` and `checklist_counts`;
`GET_UNITS` for their units) `--n` times after a warm-up, in the transaction
`kit.endpoints.query` opens, and reports the process's CPU per call (every thread:
SQLite's worker too) with the sha256 of the reply's bytes as the service sends them
(`model_dump_json()` of a model, the body of a `RawReply`). The two trees' replies
must hash alike.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
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

from sqlalchemy import select

from bench import common
from contracts import core
from contracts.engagement import actions, rpc
from contracts.engagement import rpc_directory as directory
from contracts.engagement.rpc_workflow import WorkflowPart, WorkflowRequest
from kit.db import Database
from kit.ids import new_id
from kit.migrate import upgrade
from kit.rpc import CallContext, RawReply
from services.engagement import app
from services.engagement.directory import queries as directory_queries
from services.engagement.models import Engagement, ListItem
from services.engagement.registry import commands as registry
from services.engagement.workflow import queries
from services.engagement.workflow.commands import act, engagements
from tests.e2e.harness import new_uscc

HERE = Path(__file__).resolve()
ROWS = 50
READS = ("engagement.workflow", "unit.get_many")
PARTS: list[WorkflowPart] = ["checklist_counts", "list_items"]  # sorted, as the gateway sends them


# --- the child: one tree's use case, timed --------------------------------------------


def requests(seeded: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """Each read timed: its use case and the dashboard's request to it."""
    scope = core.Scope(agency_id=UUID(seeded["agency"]))
    return {
        "engagement.workflow": (
            queries.workflows,
            WorkflowRequest(
                engagement_ids=[UUID(i) for i in seeded["engagements"]], scope=scope, parts=PARTS
            ),
        ),
        "unit.get_many": (
            directory_queries.get_units,
            rpc.GetManyRequest(ids=[UUID(i) for i in seeded["units"]], scope=scope),
        ),
    }


async def timed(url: str, read: str, seeded: dict[str, Any], n: int, warmup: int) -> dict[str, Any]:
    db = Database(url, schema="engagement")
    use_case, req = requests(seeded)[read]

    async def call() -> bytes:
        async with db.transaction() as session:
            reply: Any = await use_case(session, req)
        return reply.body if isinstance(reply, RawReply) else reply.model_dump_json().encode()

    body = b""
    for _ in range(warmup):
        body = await call()
    start = time.process_time()
    for _ in range(n):
        await call()
    cpu = time.process_time() - start
    await db.dispose()
    return {
        "ms_per_call": 1000 * cpu / n,
        "sha256": hashlib.sha256(body).hexdigest(),
        "bytes": len(body),
    }


def child(args: argparse.Namespace) -> None:
    import uvloop

    seeded = json.loads(Path(args.seeded).read_text())
    result = uvloop.run(timed(args.url, args.read, seeded, args.n, args.warmup))
    print(json.dumps({**result, "code": str(Path(queries.__file__).resolve())}))


# --- the parent: seed once, then alternate the trees -----------------------------------


async def seed(url: str) -> dict[str, Any]:
    """One agency's 50 engagements, as `bench.gateway.workload` seeds them through the
    API: two list items each (one overdue), an inspection done on the first."""
    db = Database(url, schema="engagement")
    await upgrade(db, app.MIGRATIONS)
    agency = new_id()
    scope = core.Scope(agency_id=agency)
    ctx = CallContext(actor="pm", tenant=f"agency:{agency}", correlation_id="bench")

    async def step(engagement_id: UUID, action: Any) -> None:
        async with db.transaction() as s:
            await act.act(
                s, actions.ActRequest(engagement_id=engagement_id, scope=scope, action=action), ctx
            )

    async def set_stage(engagement_id: UUID, stage: str) -> None:
        async with db.transaction() as s:
            engagement = await s.get(Engagement, engagement_id)
            assert engagement is not None
            engagement.stage = stage

    ids, units = [], []
    for i in range(ROWS):
        async with db.transaction() as s:
            unit = await registry.create_unit(
                s,
                directory.CreateUnitRequest(
                    name=f"绿源化工有限公司 {i}", uscc=new_uscc(), industry_code="C2614",
                    address="深圳市南山区", agency_id=agency,
                ),
                ctx,
            )  # fmt: skip
            assert unit.unit is not None
            made, _region = await engagements.open_engagement(
                s,
                rpc.CreateEngagementRequest(
                    unit_id=unit.unit.id, agency_id=agency, service_modes=["fixed_resident"],
                    period_start=date(2027, 1, 1), period_end=date(2027, 12, 31), scope=scope,
                ),
                ctx,
            )  # fmt: skip
        await set_stage(made.id, "preparation")
        for code, due in (("6.1.5", date(2020, 1, 1)), ("6.1.6", date(2030, 1, 1))):
            await step(
                made.id,
                actions.AddListItem(
                    catalogue_code=code, scope="监测", contracted_quantity=4, due_date=due
                ),
            )
        await set_stage(made.id, "implementation")
        async with db.transaction() as s:
            first = await s.scalar(
                select(ListItem.id)
                .where(ListItem.engagement_id == made.id)
                .order_by(ListItem.created_at)
                .limit(1)
            )
        await step(
            made.id,
            actions.RecordInspection(
                list_item_id=first,
                performed_on=date(2027, 3, 1),
                problems_found=0,
                rectification_plans=0,
            ),
        )
        ids.append(str(made.id))
        units.append(str(unit.unit.id))
    await db.dispose()
    return {"agency": str(agency), "engagements": ids, "units": units}


def run_tree(tree: Path, url: str, read: str, seeded: Path, args: argparse.Namespace) -> Any:
    python = tree / ".venv" / "bin" / "python"
    env = {**os.environ, "PYTHONPATH": str(tree)}
    # -P: this file's folder not first on the path (bench/calendar.py is not the stdlib's).
    command = [str(python if python.exists() else sys.executable), "-P", str(HERE), "--child"]
    command += ["--url", url, "--read", read, "--seeded", str(seeded)]
    command += ["--n", str(args.n), "--warmup", str(args.warmup)]
    out = subprocess.run(command, env=env, cwd=tree, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(f"{tree}: {out.stderr[-3000:]}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    if not result["code"].startswith(str(tree.resolve())):
        raise SystemExit(f"{tree}: ran {result['code']}, not this tree's code")
    return result


def parent(args: argparse.Namespace) -> None:
    print(common.machine_facts("uvloop"))
    trees = {"before": Path(args.before).resolve(), "after": HERE.parents[1]}
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    with ExitStack() as stack:
        tmp = stack.enter_context(common.temp_dir("workflow-reads"))
        rows = []
        for backend in backends:
            if backend == "sqlite":
                url = common.sqlite_url(tmp / "engagement.db")
            else:
                url = stack.enter_context(common.postgres()).async_url()
            seeded = tmp / f"seeded-{backend}.json"
            seeded.write_text(json.dumps(asyncio.run(seed(url))))
            for read in READS:
                rows.append([read, backend, *compared(trees, url, read, seeded, args)])
    common.report(
        f"The dashboard's reads of {ROWS} engagements (workflow parts {'+'.join(PARTS)}) "
        f"and their units, {args.n} calls after {args.warmup}, CPU ms per call",
        ["read", "backend", "before", "after", "median", "reply (equal)"],
        rows,
    )


def compared(
    trees: dict[str, Path], url: str, read: str, seeded: Path, args: argparse.Namespace
) -> list[str]:
    """`read` timed in a process of each tree in turn, `--pairs` times: the figures of
    both sides, their medians and the reply they gave alike."""
    ms: dict[str, list[float]] = {"before": [], "after": []}
    hashes = set()
    for pair in range(args.pairs):
        for side, tree in trees.items():
            result = run_tree(tree, url, read, seeded, args)
            ms[side].append(result["ms_per_call"])
            hashes.add((result["sha256"], result["bytes"]))
            print(
                f"{read} pair {pair + 1} {side}: {result['ms_per_call']:.2f} ms/call, "
                f"{result['bytes']:,} bytes, sha256 {result['sha256'][:12]}…",
                flush=True,
            )
    if len(hashes) != 1:
        raise SystemExit(f"{read}: the replies differ: {sorted(hashes)}")
    [(sha, size)] = hashes
    before, after = statistics.median(ms["before"]), statistics.median(ms["after"])
    return [
        ", ".join(f"{v:.2f}" for v in ms["before"]),
        ", ".join(f"{v:.2f}" for v in ms["after"]),
        f"{before:.2f} → {after:.2f} ({(after - before) / before:+.0%})",
        f"{size:,} B, {sha[:8]}…{sha[-4:]}",
    ]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--before", help="the tree to compare with (a worktree of main)")
    p.add_argument("--n", type=int, default=200, help="timed calls per process (default 200)")
    p.add_argument("--warmup", type=int, default=20, help="calls before timing (default 20)")
    p.add_argument("--pairs", type=int, default=3, help="before/after pairs (default 3)")
    p.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--url", help=argparse.SUPPRESS)
    p.add_argument("--read", help=argparse.SUPPRESS)
    p.add_argument("--seeded", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        child(args)
    elif args.before is None:
        p.error("--before TREE is required")
    else:
        common.run_main(lambda: parent(args))


if __name__ == "__main__":
    main()
