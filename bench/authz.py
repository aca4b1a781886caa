"""Authorization cost of the engagement dashboard query with 10,000 policy lines.

The dashboard (`engagements(first: 50) { … unit { … } trace { … } feeTerms … }`)
asks the per-request `Authorizer` 1 + 3 × 50 questions — `engagement, read` for
the page, then `unit, read`, `trace, read` and `fee_terms, read` on every row —
of which 4 are distinct; the rest are answered from the request's memo. This
measures, with the seed policy plus synthetic lines, for the plain `Enforcer`
and the gateway's `RoleIndexedEnforcer` (a FastEnforcer indexed on role and
object kind that expands role inheritance itself):

* decisions/s of the enforcer alone (no memo) for the dashboard's 4 questions,
  all allowed to an engineer;
* decisions/s for one refused question (an expert asking `unit, read`): with
  `some(where allow)` an enforcer stops at the first allowing line, so only a
  refusal makes it look at every line it holds;
* the authorization cost of one dashboard request (a fresh Authorizer per
  request, as the gateway builds one), in µs, and requests/s it would cap at.

Synthetic lines are custom roles of many tenants: line i grants
`custom_role_<i>` in the literal domain `agency:tenant-<i mod 997>` the action
`read` on an object kind. `--objects other` (default) uses 50 kinds the
dashboard never asks about (`object_<i mod 50>`); `--objects seed` cycles
through the object kinds of the seed policy, so a share of the lines is about
the object kinds the dashboard asks for (under other roles).
Both enforcers are filled the way `build_enforcer` fills one from a database:
the adapter appends lines to a model, then the enforcer is built on it.

Rates are per second of this process's CPU time (`time.process_time`), best of
`--repeat` windows of at least 0.2 s each, so that other processes on the
machine change them little; the load average and the run's wall/CPU ratio are
printed so that a busy machine shows.

Run: `.venv/bin/python -m bench.authz [--lines 10000] [--objects other|seed] [--repeat 5]`.
"""

from __future__ import annotations

import argparse
import csv
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import casbin
from casbin import persist

from gateway.authz.authorizer import Authorizer
from gateway.authz.enforcer import MODEL_PATH, POLICY_PATH, _new_enforcer, _new_model
from kit.auth import Principal

ROWS = 50
TENANT = "agency:0190a3c2-7b1e-7c3d-8e4f-0123456789ab"
ASKS = [("engagement", "read")] + [
    q for _ in range(ROWS) for q in (("unit", "read"), ("trace", "read"), ("fee_terms", "read"))
]
REFUSED = ("expert", TENANT, "unit", "read")
WINDOW_S = 0.2


def seed_object_kinds(path: Path = POLICY_PATH) -> list[str]:
    """The object kinds the seed policy names, in order of first appearance."""
    kinds: dict[str, None] = {}
    with path.open(encoding="utf-8") as f:
        for row in csv.reader(f, skipinitialspace=True):
            if len(row) == 5 and row[0] == "p":
                kinds.setdefault(row[3], None)
    return list(kinds)


def synthetic_lines(count: int, objects: str) -> list[str]:
    kinds = seed_object_kinds() if objects == "seed" else [f"object_{k}" for k in range(50)]
    return [
        f"p, custom_role_{i}, agency:tenant-{i % 997}, {kinds[i % len(kinds)]}, read"
        for i in range(count)
    ]


def enforcer(fast: bool, extra_lines: int, objects: str = "other") -> Any:
    # As build_enforcer does with a database: fill a model through the adapter
    # path (persist.load_policy_line appends), then build the enforcer on it.
    # (Enforcer.add_policy would do too, but with a FastModel each call costs
    # O(lines): Model.add_policy takes len() of the policy, which FastPolicy
    # computes by listing every line, so 10,000 calls took ~19 s of CPU.)
    if fast:
        model = _new_model()
    else:
        model = casbin.Model()
        model.load_model(str(MODEL_PATH))
    persist.adapters.FileAdapter(str(POLICY_PATH)).load_policy(model)
    for line in synthetic_lines(extra_lines, objects):
        persist.load_policy_line(line, model)
    e = _new_enforcer(model) if fast else casbin.Enforcer(model)
    e.build_role_links()
    return e


def rate(fn: Callable[[], None], repeat: int) -> float:
    """Calls of `fn` per CPU second: best of `repeat` windows of ≥ WINDOW_S."""
    fn()  # warm caches the way a running gateway has them
    calls = 1
    while True:  # find a call count that fills a window (as timeit.autorange)
        start = time.process_time()
        for _ in range(calls):
            fn()
        spent = time.process_time() - start
        if spent >= WINDOW_S:
            break
        calls = calls * 2 if spent < WINDOW_S / 10 else int(calls * WINDOW_S / spent) + 1
    best = spent
    for _ in range(repeat - 1):
        start = time.process_time()
        for _ in range(calls):
            fn()
        best = min(best, time.process_time() - start)
    return calls / best


def measure(fast: bool, lines: int, objects: str, repeat: int) -> tuple[float, float, float]:
    e = enforcer(fast, lines, objects)
    principal = Principal(user_id="u", tenant=TENANT, roles=("engineer",), clearance=1)
    questions = [("engineer", TENANT, obj, act) for obj, act in ASKS[:4]]
    # Same answers whatever the enforcer and the lines.
    assert all(e.enforce(*q) for q in questions)
    assert not e.enforce(*REFUSED)

    def decide() -> None:
        for q in questions:
            e.enforce(*q)

    def refuse() -> None:
        e.enforce(*REFUSED)

    def dashboard() -> None:
        authorizer = Authorizer(e, principal)
        for obj, act in ASKS:
            authorizer.can(obj, act)

    decisions = rate(decide, repeat) * len(questions)
    refusals = rate(refuse, repeat)
    requests = rate(dashboard, repeat)
    return decisions, refusals, requests


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "n/a"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--objects", choices=("other", "seed"), default="other")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    wall, cpu = time.perf_counter(), time.process_time()
    print(f"dashboard: {len(ASKS)} authorizer questions, 4 distinct, {ROWS} rows")
    print(f"synthetic lines on {args.objects} object kinds; load average {loadavg()}")
    print(
        "| enforcer | extra lines | decisions/s | refusals/s | dashboard authz µs | dashboards/s |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for lines in (0, 1000, args.lines):
        for fast in (False, True):
            decisions, refusals, requests = measure(fast, lines, args.objects, args.repeat)
            name = "RoleIndexedEnforcer" if fast else "Enforcer"
            print(
                f"| {name} | {lines:,} | {decisions:,.0f} | {refusals:,.0f} "
                f"| {1e6 / requests:,.1f} | {requests:,.0f} |"
            )
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"load average {loadavg()}; run took {wall:.1f} s wall, {cpu:.1f} s CPU")


if __name__ == "__main__":
    main()
