"""Sections of the run's terminal summary that a pytest-xdist worker hands to the
controller, which alone prints (tests/parallel.py runs `make test` on two workers).

A conftest below tests/ prints its section itself when pytest runs in one process; under
xdist its `pytest_terminal_summary` runs on the worker, where nobody sees it, and the
controller never loads that conftest. So it also registers the section's lines here:
each worker sends them at the end (`worker_output`), the controller collects them
(`add_worker`) and prints them (`summary`) from tests/conftest.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_sections: dict[str, Callable[[], list[str]]] = {}
_received: dict[str, list[str]] = {}
KEY = "ecohost_summaries"


def register(title: str, lines: Callable[[], list[str]]) -> None:
    """`lines` gives the section's lines at the end of the run, [] to leave it out."""
    _sections[title] = lines


def worker_output(config: Any) -> None:
    output = getattr(config, "workeroutput", None)
    if output is not None:
        sections = {title: lines() for title, lines in _sections.items()}
        output[KEY] = {title: lines for title, lines in sections.items() if lines}


def add_worker(output: dict[str, Any]) -> None:
    for title, lines in output.get(KEY, {}).items():
        _received.setdefault(title, []).extend(lines)


def summary(terminal: Any) -> None:
    for title, lines in _received.items():
        terminal.section(title)
        for line in lines:
            terminal.write_line(line)
