"""The table of the three servers, and where the system's CPU goes."""

from __future__ import annotations

from bench import common
from bench.gateway.workload import ROWS, Target


def report(targets: list[Target], n: int, concurrency: int, rounds: int) -> None:
    system = targets[0]
    rows = []
    for t in targets:
        rate = sorted(t.rates)[len(t.rates) // 2]
        ratio = "–" if t is system else f"{sorted(system.rates)[len(system.rates) // 2] / rate:.2f}"
        rows.append(
            [
                t.label,
                f"{rate:,.0f}",
                f"{min(t.rates):,.0f}–{max(t.rates):,.0f}",
                common.ms(common.percentile(t.latencies, 50)),
                common.ms(common.percentile(t.latencies, 99)),
                ratio,
                f"{t.cpu / t.requests * 1e3:.2f}",
                f"{t.client_cpu / t.requests * 1e3:.2f}",
            ]
        )
    common.report(
        f"Dashboard query, {ROWS} rows, {concurrency} clients, {rounds} rounds of {n:,} requests",
        [
            "server",
            "requests/s (median round)",
            "range",
            "p50 ms",
            "p99 ms",
            "system ÷ this",
            "server CPU ms/request",
            "client CPU ms/request",
        ],
        rows,
    )
    # Where the system's CPU goes: on 2 cores, the busiest process bounds throughput.
    shares = ", ".join(
        f"{name} {spent / system.requests * 1e3:.1f}"
        for name, spent in sorted(system.cpu_by_process.items(), key=lambda kv: -kv[1])
    )
    print(f"system CPU ms/request by process: {shares}", flush=True)
