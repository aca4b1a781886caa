"""How many whole stacks (nats-server, the services, the gateway) the run started, and
the seconds spent starting and stopping them: the suite's main cost. The count does not
change with the machine's load; the seconds do (docs/testing.md, How long it takes).

`Stack.start` and `Stack.stop` are wrapped for the session; the terminal summary prints
the totals. Under pytest-xdist each worker counts its own stacks and hands its totals to
the controller (`worker_output`, `add_worker`), which prints their sum.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from cli.stack import Stack

_totals = {"started": 0.0, "start_seconds": 0.0, "stop_seconds": 0.0}


def _timed(method: Callable[..., None], counter: str | None, seconds: str) -> Callable[..., None]:
    def wrapper(self: Stack, *args: Any, **kwargs: Any) -> None:
        began = time.monotonic()
        try:
            method(self, *args, **kwargs)
        finally:
            _totals[seconds] += time.monotonic() - began
            if counter is not None:
                _totals[counter] += 1

    return wrapper


def install() -> None:
    """Wrap once per process (a pytest run imports this conftest once)."""
    if not getattr(Stack.start, "_counted", False):
        start, stop = (
            _timed(Stack.start, "started", "start_seconds"),
            _timed(Stack.stop, None, "stop_seconds"),
        )
        start._counted = True  # type: ignore[attr-defined]
        Stack.start = start  # type: ignore[method-assign]
        Stack.stop = stop  # type: ignore[method-assign]


def worker_output(config: Any) -> None:
    """On a pytest-xdist worker, send this process's totals to the controller."""
    output = getattr(config, "workeroutput", None)
    if output is not None:
        output["stack_count"] = dict(_totals)


def add_worker(output: dict[str, Any]) -> None:
    """On the controller, add a finished worker's totals."""
    for name, value in output.get("stack_count", {}).items():
        _totals[name] += value


def summary(terminal: Any) -> None:
    if _totals["started"]:
        terminal.write_sep("=", "whole stacks", bold=True)
        terminal.write_line(
            f"{int(_totals['started'])} stacks started, "
            f"{_totals['start_seconds']:.0f} s starting, {_totals['stop_seconds']:.0f} s stopping"
        )
