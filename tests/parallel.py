"""Which pytest-xdist worker runs which tests: `make test` runs the suite on two workers
(`-n 2 --dist loadgroup`), and every test belongs to the group of the stack it needs, so
each stack still starts once per run (docs/testing.md, Two workers).

- a test on `system` goes to the group of its backend, `system-sqlite` or
  `system-postgresql`: all of a backend's tests run on one worker, in the order pytest
  gives them in a single process, so its session stack starts once;
- a test on `production_system` goes to that stack's group;
- every other test goes to the group of its module, so a module-scoped stack (the fuzzer's,
  the reminders', `tight_system`, ...) and module-scoped data start once, as without xdist.

xdist hands the largest groups out first and the rest to whichever worker is free, so the
two backends' stacks run side by side.

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
from pathlib import Path
from typing import Any

import pytest
from xdist.scheduler import LoadScopeScheduling

SESSION_STACKS = ("system", "production_system")
"""Session-scoped stack fixtures (tests/conftest.py), in order of precedence."""
GROUPS_DIR = pytest.StashKey[Path]()
WORKER_INPUT = "ecohost_groups_dir"


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
    """On a worker: write every collected test's group for the controller."""
    workerinput = getattr(config, "workerinput", {})
    if WORKER_INPUT in workerinput:
        table = {item.nodeid: group_of(item) for item in items}
        target = Path(workerinput[WORKER_INPUT]) / f"{workerinput['workerid']}.json"
        partial = target.with_suffix(".partial")
        partial.write_text(json.dumps(table))
        partial.replace(target)  # the controller never reads half a table


class StackGroupScheduling(LoadScopeScheduling):  # type: ignore[misc]  # xdist is untyped
    """xdist's scope scheduling (largest groups first, then whichever worker is free),
    with the groups the workers wrote."""

    def __init__(self, config: pytest.Config, log: Any = None) -> None:
        super().__init__(config, log)
        self.groups: dict[str, str] = {}

    def schedule(self) -> None:
        if not self.groups and self.collection_is_completed:
            for table in sorted(self.config.stash[GROUPS_DIR].glob("*.json")):
                self.groups.update(json.loads(table.read_text()))
        super().schedule()

    def _split_scope(self, nodeid: str) -> str:
        return self.groups.get(nodeid) or nodeid.split("::", 1)[0]


def make_scheduler(config: pytest.Config, log: Any) -> LoadScopeScheduling | None:
    if GROUPS_DIR in config.stash:
        return StackGroupScheduling(config, log)
    return None
