"""The two-worker schedule of tests/parallel.py, on a simulated clock: which worker runs
which group, in which order, given a recorded duration table. Nothing here is timed;
a simulated test takes its group's recorded seconds divided among its tests."""

from __future__ import annotations

import heapq
import json
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.parallel import (
    GROUP_PROPERTY,
    GROUPS_DIR,
    StackGroupScheduling,
    longest_pending,
    read_durations,
    write_groups,
)

FAULTS = "tests/faults/test_cluster_faults.py"
POLICY = "tests/gateway/authz/test_policy.py"
NEW = "tests/kit/test_new.py"
RECORDED = {
    "system-postgresql": 480.0,
    "system-sqlite": 430.0,
    FAULTS: 420.0,
    "production_system": 200.0,
    POLICY: 30.0,
}
"""The shape of the real table: two backends' stacks, a module of a few slow tests,
and a module of many quick ones."""
TESTS_PER_GROUP = {
    "system-postgresql": 40,
    "system-sqlite": 40,
    FAULTS: 3,
    "production_system": 10,
    POLICY: 60,
    NEW: 4,
}


@dataclass(eq=False)  # hashed by identity, as xdist keys its workers
class Worker:
    """A stand-in for xdist's WorkerController: keeps what it was sent, in order."""

    name: str
    queue: list[int] = field(default_factory=list)
    shutting_down: bool = False

    @property
    def gateway(self) -> SimpleNamespace:
        return SimpleNamespace(id=self.name)

    def send_runtest_some(self, indices: list[int]) -> None:
        self.queue.extend(indices)

    def shutdown(self) -> None:
        self.shutting_down = True


def collection() -> dict[str, str]:
    """Test id -> group, in collection order."""
    return {f"{g}::test_{n}": g for g, count in TESTS_PER_GROUP.items() for n in range(count)}


def simulate(
    tmp_path: Path, durations: dict[str, float]
) -> tuple[dict[str, list[str]], dict[str, float]]:
    """Run the collection on two simulated workers: per worker, the groups it ran in order,
    and the simulated second it finished."""
    tests = collection()
    (tmp_path / "gw0.json").write_text(json.dumps(tests))
    config = SimpleNamespace(
        getvalue=lambda name: ["2*popen"], option=SimpleNamespace(loadscopereorder=True)
    )
    config.stash = pytest.Stash()
    config.stash[GROUPS_DIR] = tmp_path
    scheduler = StackGroupScheduling(config, durations=durations)  # type: ignore[arg-type]
    workers = [Worker("gw0"), Worker("gw1")]
    for worker in workers:
        scheduler.add_node(worker)
    ids = list(tests)
    for worker in workers:
        scheduler.add_node_collection(worker, ids)
    scheduler.schedule()

    def seconds(index: int) -> float:
        group = tests[ids[index]]
        return RECORDED.get(group, 10.0) / TESTS_PER_GROUP[group]

    ran: dict[str, list[str]] = {w.name: [] for w in workers}
    finished: dict[str, float] = {}
    clock: list[tuple[float, int]] = []  # (when the worker's current test ends, worker)

    def start_next(at: float, w: int) -> None:
        worker = workers[w]
        if not worker.queue:
            finished[worker.name] = at
            return
        group = tests[ids[worker.queue[0]]]
        if not ran[worker.name] or ran[worker.name][-1] != group:
            ran[worker.name].append(group)
        heapq.heappush(clock, (at + seconds(worker.queue[0]), w))

    for w in range(len(workers)):
        start_next(0.0, w)
    while clock:
        at, w = heapq.heappop(clock)
        scheduler.mark_test_complete(workers[w], workers[w].queue.pop(0))
        start_next(at, w)
    assert scheduler.tests_finished
    return ran, finished


def test_groups_go_out_longest_first_and_the_short_ones_fill_the_end(tmp_path: Path) -> None:
    ran, finished = simulate(tmp_path, RECORDED)
    # A worker with two tests or fewer left gets the next group: gw1 at 408.5 s (the
    # faults, 420 s), gw0 at 456 s (the new module, counted as the average, 312 s, though
    # it takes 10), gw0 again at 485 s (production_system), gw1 at 570 s (the policy).
    assert ran == {
        "gw0": ["system-postgresql", NEW, "production_system"],
        "gw1": ["system-sqlite", FAULTS, POLICY],
    }
    assert finished == {
        "gw0": pytest.approx(480 + 10 + 200),
        "gw1": pytest.approx(430 + 420 + 30),
    }


def test_without_a_table_groups_go_out_by_number_of_tests_as_in_xdist(tmp_path: Path) -> None:
    ran, finished = simulate(tmp_path, {})
    # The module of three slow tests goes last, and its worker ends 250 s after the other.
    assert ran == {
        "gw0": [POLICY, "system-sqlite", "production_system"],
        "gw1": ["system-postgresql", NEW, FAULTS],
    }
    assert finished == {
        "gw0": pytest.approx(30 + 430 + 200),
        "gw1": pytest.approx(480 + 10 + 420),
    }


def test_an_unrecorded_group_counts_as_the_average_and_ties_go_to_more_tests() -> None:
    pending = {"a": {"t1": False}, "b": {"t1": False, "t2": False}, "new": {"t1": False}}
    assert longest_pending(pending, {"a": 10.0, "b": 30.0}) == "b"
    assert longest_pending(pending, {"a": 10.0, "b": 20.0, "c": 60.0}) == "new"  # average 30
    assert longest_pending(pending, {"a": 20.0, "b": 20.0}) == "b"
    assert longest_pending(pending, {}) == "b"


def test_a_missing_or_broken_table_reads_as_empty(tmp_path: Path) -> None:
    table = tmp_path / "group_durations.json"
    assert read_durations(table) == {}
    table.write_text("[1, 2]")
    assert read_durations(table) == {}
    table.write_text('{"system-sqlite": 431.5, "tests/faults/test_cluster_faults.py": 415}')
    assert read_durations(table) == {
        "system-sqlite": 431.5,
        "tests/faults/test_cluster_faults.py": 415.0,
    }


def test_every_test_carries_its_group_for_the_junit_xml() -> None:
    def item(nodeid: str, fixtures: tuple[str, ...], params: dict[str, str]) -> SimpleNamespace:
        return SimpleNamespace(
            nodeid=nodeid,
            fixturenames=fixtures,
            callspec=SimpleNamespace(params=params),
            user_properties=[],
            get_closest_marker=lambda name: None,
        )

    items = [
        item("tests/e2e/test_slice.py::test_a[postgresql]", ("system",), {"system": "postgresql"}),
        item("tests/kit/test_ids.py::test_sortable", ("tmp_path",), {}),
    ]
    write_groups(SimpleNamespace(), items)  # type: ignore[arg-type]
    assert [i.user_properties for i in items] == [
        [(GROUP_PROPERTY, "system-postgresql")],
        [(GROUP_PROPERTY, "tests/kit/test_ids.py")],
    ]


def test_the_checked_in_table_names_both_backends_stacks() -> None:
    table = read_durations()
    assert {"system-sqlite", "system-postgresql"} <= table.keys()
    assert all(seconds >= 0 for seconds in table.values())
