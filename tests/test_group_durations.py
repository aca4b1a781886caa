"""tools/group_durations.py: a run's junit xml to the table of seconds per group."""

from __future__ import annotations

import json
from pathlib import Path

from tools.group_durations import group_seconds, main

JUNIT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites name="pytest tests"><testsuite name="pytest" tests="5">
<testcase classname="tests.e2e.test_slice" name="test_a[sqlite]" time="15.250">
  <properties><property name="xdist_group" value="system-sqlite"/></properties>
</testcase>
<testcase classname="tests.e2e.test_slice" name="test_b[sqlite]" time="0.300">
  <properties><property name="xdist_group" value="system-sqlite"/></properties>
</testcase>
<testcase classname="tests.faults.test_cluster_faults" name="test_burst[archive]" time="52.040">
  <properties>
    <property name="xdist_group" value="tests/faults/test_cluster_faults.py"/>
  </properties>
  <failure message="lost 1">...</failure>
</testcase>
<testcase classname="tests.kit.test_ids" name="test_sortable" time="0.010">
  <properties><property name="xdist_group" value="tests/kit/test_ids.py"/></properties>
</testcase>
<testcase classname="tests.kit.test_other" name="test_without_our_conftest" time="9.000"/>
</testsuite></testsuites>
"""


def test_seconds_add_up_per_group_longest_first() -> None:
    table, ungrouped = group_seconds(JUNIT)
    assert list(table.items()) == [
        ("tests/faults/test_cluster_faults.py", 52.0),
        ("system-sqlite", 15.6),
        ("tests/kit/test_ids.py", 0.0),
    ]
    assert ungrouped == 1


def test_the_table_is_written_as_json(tmp_path: Path) -> None:
    (tmp_path / "run.xml").write_text(JUNIT)
    main([str(tmp_path / "run.xml"), "--out", str(tmp_path / "table.json")])
    assert json.loads((tmp_path / "table.json").read_text()) == {
        "tests/faults/test_cluster_faults.py": 52.0,
        "system-sqlite": 15.6,
        "tests/kit/test_ids.py": 0.0,
    }
