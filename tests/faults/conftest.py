"""The fault suite's stack and its report.

`ECOHOST_FAULT_BURST` sets the events per fault (default 150, the short version `make
test` runs; `make faults` runs 10,000). 150 is enough for the short version: the kill
still lands a third of the way in (after 50 answers) with 100 calls to go, and at that
size the runs of docs/BENCHMARKS.md §16 still had calls in flight through the kill and
the restart (PostgreSQL refused 92 of 150, a gateway 14, an engagement replica 9, first
success 4.7-5.9 s after the kill); every check is the same as at 300 (the default
before; docs/testing.md has the time each size took). Each test adds a row (fault,
lost, duplicated, refused, recovery, lag p99); the terminal summary prints them, and
`ECOHOST_FAULT_REPORT` names a JSON file to write them to (docs/BENCHMARKS.md, §16)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests import worker_summaries
from tests.faults.cluster import FaultStack, fault_stack

BURST = int(os.environ.get("ECOHOST_FAULT_BURST", "150"))
REPORT: list[dict[str, Any]] = []


@pytest.fixture(scope="module")
def faults(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FaultStack]:
    with fault_stack(tmp_path_factory.mktemp("faults")) as stack:
        yield stack


@pytest.fixture
def report() -> list[dict[str, Any]]:
    return REPORT


TITLE = f"faults on a 3-node cluster, {BURST} events each"


def report_lines() -> list[str]:
    if not REPORT:
        return []
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    lines = [
        f"{'fault':<28} {'accepted':>8} {'refused':>7} {'lost':>4} {'dup':>4} "
        f"{'recovery s':>10} {'lag p99 s':>9} {'wall s':>7}"
    ]
    for row in REPORT:
        lines.append(
            f"{row['fault']:<28} {row['accepted']:>8} {row['refused']:>7} {row['lost']:>4} "
            f"{row['duplicated']:>4} {row['recovery_s']:>10.2f} {row['lag_p99_s']:>9.2f} "
            f"{row['wall_s']:>7.1f}"
        )
    lines.append(f"load average at the end: {load}")
    if target := os.environ.get("ECOHOST_FAULT_REPORT"):
        document = {"burst": BURST, "load_average_end": load, "faults": REPORT}
        Path(target).write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
        lines.append(f"written to {target}")
    return lines


def pytest_terminal_summary(terminalreporter: Any) -> None:
    lines = report_lines()
    if lines:
        terminalreporter.section(TITLE)
        for line in lines:
            terminalreporter.write_line(line)


# Under pytest-xdist the controller prints it (tests/worker_summaries.py).
worker_summaries.register(TITLE, report_lines)
