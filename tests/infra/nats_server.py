"""A real nats-server with JetStream for tests, on a free port, stopped at exit."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cli.nats import NatsProcess, start_nats


@contextmanager
def running_nats(tmp_dir: Path) -> Iterator[NatsProcess]:
    """nats-server storing under `tmp_dir/nats`; its log is `tmp_dir/nats/nats.log`."""
    server = start_nats(tmp_dir / "nats")
    try:
        yield server
    finally:
        server.stop()
