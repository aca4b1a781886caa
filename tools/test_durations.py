"""Where a pytest run's time goes: sums the `--durations=0` lines of its log per test
module and phase (setup, call, teardown), largest first.

    .venv/bin/python tools/test_durations.py run.log [--top 40]

A log from `make test PYTEST_ARGS=--durations=0` (pytest prints one line per phase that
took 5 ms or more, unless -vv). The setup column is mostly stack starts
(tests/stack_count.py counts those).
"""

from __future__ import annotations

import argparse
import re
from collections import defaultdict
from pathlib import Path

LINE = re.compile(r"^(?P<seconds>\d+\.\d+)s (?P<phase>setup|call|teardown)\s+(?P<node>\S+)")
PHASES = ("setup", "call", "teardown")


def breakdown(log: str) -> dict[str, dict[str, float]]:
    per_module: dict[str, dict[str, float]] = defaultdict(lambda: dict.fromkeys(PHASES, 0.0))
    for line in log.splitlines():
        match = LINE.match(line.strip())
        if match:
            module = match["node"].split("::", 1)[0]
            per_module[module][match["phase"]] += float(match["seconds"])
    return per_module


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("log", type=Path)
    parser.add_argument("--top", type=int, default=40)
    args = parser.parse_args()
    per_module = breakdown(args.log.read_text(errors="replace"))
    rows = sorted(per_module.items(), key=lambda item: -sum(item[1].values()))
    print(f"{'setup':>8} {'call':>8} {'teardown':>8} {'total':>8}  module")
    for module, phases in rows[: args.top]:
        cells = " ".join(f"{phases[phase]:8.1f}" for phase in PHASES)
        print(f"{cells} {sum(phases.values()):8.1f}  {module}")
    totals = {phase: sum(p[phase] for p in per_module.values()) for phase in PHASES}
    cells = " ".join(f"{totals[phase]:8.1f}" for phase in PHASES)
    print(f"{cells} {sum(totals.values()):8.1f}  all {len(per_module)} modules")


if __name__ == "__main__":
    main()
