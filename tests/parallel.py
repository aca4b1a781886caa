"""Which pytest-xdist worker runs which tests: `make test` runs the suite on two workers
(`-n 2 --dist loadgroup`), and every test belongs to the group of the stack it needs, so
each stack still starts once per run (docs/testing.md, Two workers).

- a test on `system` goes to the group of its backend, `system-sqlite` or
  `system-postgresql`: all of a backend's tests run on one worker, in the order pytest
  gives them in a single process, so its session stack starts once;
- a test on `production_system` goes to that stack's group;
- every other test goes to the group of its module, so a module-scoped stack (the fuzzer's,
  the reminders', `tight_system`, ...) and module-scoped data start once, as without xdist.

When a worker is nearly free it gets the pending group that took longest in a recorded run
(tests/group_durations.json, group -> seconds, refreshed by `make test-durations`; a group
not in it counts as the table's average), so the long groups start first and the short
ones fill in at the end: neither worker is left with a long tail. xdist alone would hand
groups out by number of tests, and a module of a few slow tests (the cluster faults) went
last.

The group needs the test's fixtures, which only the workers know (they collect; the
controller that schedules sees test ids alone), and xdist 3.8's own `xdist_group` mark
does not reach the scheduler under pytest 9.2 (it rewrites `item._nodeid`, which pytest
no longer reads). So each worker writes its test id -> group table to a directory the
controller named, and the controller's scheduler (`StackGroupScheduling`) reads it once
collection is complete. A test's own `xdist_group` mark, if it has one, wins.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from xdist.scheduler import LoadScopeScheduling

SESSION_STACKS = ("system", "production_system")
"""Session-scoped stack fixtures (tests/conftest.py), in order of precedence."""
GROUPS_DIR = pytest.StashKey[Path]()
WORKER_INPUT = "ecohost_groups_dir"
DURATIONS = Path(__file__).with_name("group_durations.json")
"""Seconds each group took in a recorded run (tools/group_durations.py writes it)."""
GROUP_PROPERTY = "xdist_group"
"""The name under which a test's group goes into a junit xml (`--junitxml`)."""


def group_of(item: pytest.Item) -> str:
    mark = item.get_closest_marker("xdist_group")
    if mark is not None:
        return str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
    names = getattr(item, "fixturenames", ())
    callspec = getattr(item, "callspec", None)
    params = callspec.params if callspec is not None else {}
    for stack in SESSION_STACKS:
        if stack in names:
            return f"{stack}-{params[stack]}" if stack in params else stack
    return item.nodeid.split("::", 1)[0]


def configure(config: pytest.Config) -> None:
    """On the controller of a `--dist loadgroup` run: a directory for the workers' tables."""
    distributed = config.getoption("dist", "no") == "loadgroup"
    if distributed and not hasattr(config, "workerinput"):
        config.stash[GROUPS_DIR] = Path(tempfile.mkdtemp(prefix="ecohost-test-groups-"))


def unconfigure(config: pytest.Config) -> None:
    if GROUPS_DIR in config.stash:
        shutil.rmtree(config.stash[GROUPS_DIR], ignore_errors=True)


def configure_node(node: Any) -> None:
    """Tell a worker where to write its table (xdist's `pytest_configure_node`)."""
    if GROUPS_DIR in node.config.stash:
        node.workerinput[WORKER_INPUT] = str(node.config.stash[GROUPS_DIR])


def write_groups(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Record every collected test's group: as a property (a junit xml of the run then says
    which group each test's seconds belong to, for tools/group_durations.py) and, on a
    worker, in the table the controller schedules by."""
    for item in items:
        item.user_properties.append((GROUP_PROPERTY, group_of(item)))
    workerinput = getattr(config, "workerinput", {})
    if WORKER_INPUT in workerinput:
        table = {item.nodeid: group_of(item) for item in items}
        target = Path(workerinput[WORKER_INPUT]) / f"{workerinput['workerid']}.json"
        partial = target.with_suffix(".partial")
        partial.write_text(json.dumps(table))
        partial.replace(target)  # the controller never reads half a table


def read_durations(path: Path = DURATIONS) -> dict[str, float]:
    """The recorded table; without one (or with a broken one) every group counts the same
    and the order is xdist's, by number of tests."""
    try:
        table = json.loads(path.read_text())
        return {str(group): float(seconds) for group, seconds in table.items()}
    except (OSError, ValueError, AttributeError):
        return {}


def longest_pending(pending: Mapping[str, Mapping[str, bool]], seconds: Mapping[str, float]) -> str:
    """The group to hand out next: the longest by the recorded seconds, a group not
    recorded counting as the average of those that are; ties go to the group with more
    tests, then to the one collected first."""
    average = sum(seconds.values()) / len(seconds) if seconds else 0.0
    return max(pending, key=lambda group: (seconds.get(group, average), len(pending[group])))


class StackGroupScheduling(LoadScopeScheduling):  # type: ignore[misc]  # xdist is untyped
    """xdist's scope scheduling (a worker with two tests or fewer left gets the next
    group), with the groups the workers wrote, handed out longest first."""

    def __init__(
        self, config: pytest.Config, log: Any = None, durations: Mapping[str, float] | None = None
    ) -> None:
        super().__init__(config, log)
        self.groups: dict[str, str] = {}
        self.durations = dict(durations or {})

    def schedule(self) -> None:
        if not self.groups and self.collection_is_completed:
            for table in sorted(self.config.stash[GROUPS_DIR].glob("*.json")):
                self.groups.update(json.loads(table.read_text()))
        super().schedule()

    def _split_scope(self, nodeid: str) -> str:
        return self.groups.get(nodeid) or nodeid.split("::", 1)[0]

    def _assign_work_unit(self, node: Any) -> None:
        # xdist pops the queue's first group: put the longest pending one there.
        self.workqueue.move_to_end(longest_pending(self.workqueue, self.durations), last=False)
        super()._assign_work_unit(node)


def make_scheduler(config: pytest.Config, log: Any) -> LoadScopeScheduling | None:
    if GROUPS_DIR in config.stash:
        return StackGroupScheduling(config, log, read_durations())
    return None
