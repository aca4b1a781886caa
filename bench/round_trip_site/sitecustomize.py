"""Counts every round trip a process makes to PostgreSQL through asyncpg, by kind and
statement, for `bench.pg_round_trips`.

Put first on a process's `PYTHONPATH` (with `ECOHOST_ROUND_TRIPS_DIR` set), this module
is imported by `site` before anything else and wraps each asyncpg connection's protocol:
a simple query (asyncpg sends BEGIN, COMMIT and ROLLBACK so), a prepare (Parse and
Describe: the first use of a statement's text on a connection), a bind-and-execute (a
prepared statement run) and a statement closed are each one message exchange with the
server, that is one round trip the process waits for. A thread writes the counts to
`<dir>/<pid>.json` when they change, for the bench to read between its parts.
Self-contained: it runs in either tree's processes (the before tree has no bench of it).
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections import Counter
from typing import Any

_DIR = os.environ.get("ECOHOST_ROUND_TRIPS_DIR")
_counts: Counter[str] = Counter()


def _text(query: str) -> str:
    return " ".join(query.split())[:160]


class _CountingProtocol:
    """asyncpg's protocol (a Cython object, not patchable itself) behind a proxy that
    counts the calls that wait for the server."""

    def __init__(self, real: Any) -> None:
        self._real = real

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def query(self, query: str, *args: Any, **kwargs: Any) -> Any:
        _counts[f"simple\t{_text(query)}"] += 1
        return self._real.query(query, *args, **kwargs)

    def prepare(self, name: Any, query: str, *args: Any, **kwargs: Any) -> Any:
        _counts[f"prepare\t{_text(query)}"] += 1
        return self._real.prepare(name, query, *args, **kwargs)

    def bind_execute(self, state: Any, *args: Any, **kwargs: Any) -> Any:
        _counts[f"execute\t{_text(state.query)}"] += 1
        return self._real.bind_execute(state, *args, **kwargs)

    def bind_execute_many(self, state: Any, *args: Any, **kwargs: Any) -> Any:
        _counts[f"executemany\t{_text(state.query)}"] += 1
        return self._real.bind_execute_many(state, *args, **kwargs)

    def close_statement(self, state: Any, *args: Any, **kwargs: Any) -> Any:
        _counts[f"close\t{_text(state.query)}"] += 1
        return self._real.close_statement(state, *args, **kwargs)


def _install() -> None:
    import asyncpg.connection  # type: ignore[import-untyped]

    connection = asyncpg.connection.Connection
    original = connection.__init__

    def __init__(self: Any, protocol: Any, *args: Any, **kwargs: Any) -> None:
        original(self, protocol, *args, **kwargs)
        self._protocol = _CountingProtocol(self._protocol)

    connection.__init__ = __init__


def _write_when_changed(path: str) -> None:
    written: dict[str, int] = {}
    while True:
        time.sleep(0.05)
        now = dict(_counts)
        if now != written:
            with open(path + ".tmp", "w") as f:
                json.dump(now, f)
            os.replace(path + ".tmp", path)
            written = now


if _DIR:
    _install()
    threading.Thread(
        target=_write_when_changed,
        args=(os.path.join(_DIR, f"{os.getpid()}.json"),),
        daemon=True,
        name="round-trip-counts",
    ).start()
