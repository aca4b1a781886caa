"""The seconds each xdist group of a run took, from the run's junit xml: the table
tests/parallel.py hands groups out by, longest first (docs/testing.md, Two workers).

    .venv/bin/python -m tools.group_durations run.xml [--out tests/group_durations.json]

`make test-durations` runs the suite with `--junitxml` and writes the table. Every test
case carries its group as the `xdist_group` property (tests/parallel.py writes it); a
case without one (an xml of a run without our conftest) is left out and counted. A
test's seconds are its setup, call and teardown together, so a group's first test
carries its stack's start.
"""

from __future__ import annotations

import argparse
import json
import sys
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

from tests.parallel import DURATIONS, GROUP_PROPERTY


def group_seconds(junit_xml: str) -> tuple[dict[str, float], int]:
    """Seconds per group, longest first, to a tenth of a second; and how many test cases
    had no group."""
    totals: dict[str, float] = defaultdict(float)
    ungrouped = 0
    # The report our own pytest run wrote, not input from outside.
    for case in ET.fromstring(junit_xml).iter("testcase"):  # noqa: S314
        prop = case.find(f"properties/property[@name='{GROUP_PROPERTY}']")
        group = prop.get("value") if prop is not None else None
        if group is None:
            ungrouped += 1
            continue
        totals[group] += float(case.get("time") or 0)
    ordered = sorted(totals.items(), key=lambda item: (-item[1], item[0]))
    return {group: round(seconds, 1) for group, seconds in ordered}, ungrouped


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("junit_xml", type=Path)
    parser.add_argument("--out", type=Path, default=DURATIONS)
    args = parser.parse_args(argv)
    table, ungrouped = group_seconds(args.junit_xml.read_text())
    args.out.write_text(json.dumps(table, indent=1, ensure_ascii=False) + "\n")
    print(
        f"{len(table)} groups, {sum(table.values()):.0f} s in all, written to {args.out}"
        f" ({ungrouped} test cases without a group left out)",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
