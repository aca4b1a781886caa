"""Authorization cost of the engagement dashboard query with 10,000 policy lines.

The dashboard (`engagements(first: 50) { … unit { … } trace { … } feeTerms … }`)
asks the per-request `Authorizer` 1 + 3 × 50 questions — `engagement, read` for
the page, then `unit, read`, `trace, read` and `fee_terms, read` on every row —
of which 4 are distinct; the rest are answered from the request's memo. This
measures, with the seed policy plus synthetic lines (shaped like real ones: a
role and a domain pattern per line, never an object), for the plain `Enforcer`
and the indexed `FastEnforcer` the gateway uses:

* decisions/s of the enforcer alone (no memo), the baseline of the same run;
* the authorization cost of one dashboard request (a fresh Authorizer per
  request, as the gateway builds one), in µs, and requests/s it would cap at.

Run: `.venv/bin/python -m bench.authz [--lines 10000] [--rounds 2000]`.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import casbin

from gateway.authz.authorizer import Authorizer
from gateway.authz.enforcer import MODEL_PATH, POLICY_PATH, _new_enforcer, _new_model
from kit.auth import Principal

ROWS = 50
TENANT = "agency:0190a3c2-7b1e-7c3d-8e4f-0123456789ab"
ASKS = [("engagement", "read")] + [
    q for _ in range(ROWS) for q in (("unit", "read"), ("trace", "read"), ("fee_terms", "read"))
]


def enforcer(fast: bool, extra_lines: int) -> Any:
    # The fast one exactly as the gateway builds it.
    e = _new_enforcer(_new_model()) if fast else casbin.Enforcer(str(MODEL_PATH))
    adapter = casbin.persist.adapters.FileAdapter(str(POLICY_PATH))
    adapter.load_policy(e.model)
    # Synthetic lines: custom roles of many tenants (an agency's own role names),
    # what a policy grows by when tenants multiply.
    for i in range(extra_lines):
        e.add_policy(f"custom_role_{i}", f"agency:tenant-{i % 997}", f"object_{i % 50}", "read")
    e.build_role_links()
    return e


def rate(fn: Callable[[], None], rounds: int) -> float:
    fn()  # warm caches the way a running gateway has them
    start = time.perf_counter()
    for _ in range(rounds):
        fn()
    return rounds / (time.perf_counter() - start)


def measure(fast: bool, lines: int, rounds: int) -> tuple[float, float]:
    e = enforcer(fast, lines)
    principal = Principal(user_id="u", tenant=TENANT, roles=("engineer",), clearance=1)
    questions = [("engineer", TENANT, obj, act) for obj, act in ASKS[:4]]

    def decide() -> None:
        for q in questions:
            e.enforce(*q)

    def dashboard() -> None:
        authorizer = Authorizer(e, principal)
        for obj, act in ASKS:
            authorizer.can(obj, act)

    decisions = rate(decide, max(rounds // 10, 20)) * len(questions)
    requests = rate(dashboard, max(rounds // 10, 20) if not fast else rounds)
    return decisions, requests


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=2000)
    args = parser.parse_args()
    print(f"dashboard: {len(ASKS)} authorizer questions, 4 distinct, {ROWS} rows")
    print("| enforcer | extra lines | decisions/s | dashboard authz µs | dashboards/s |")
    print("|---|---:|---:|---:|---:|")
    for lines in (0, 1000, args.lines):
        for fast in (False, True):
            decisions, requests = measure(fast, lines, args.rounds)
            name = "FastEnforcer" if fast else "Enforcer"
            print(
                f"| {name} | {lines:,} | {decisions:,.0f} | {1e6 / requests:,.1f} "
                f"| {requests:,.0f} |"
            )


if __name__ == "__main__":
    main()
