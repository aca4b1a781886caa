"""A 3-node NATS JetStream cluster for tests: three nats-server processes on free
loopback ports, routed to each other, `sync_interval: always`, as production runs it
(deploy/k8s/base/nats/nats.conf). Each node keeps its store under `tmp_dir/nats-<i>`,
so a killed node restarts on its own data and catches up from its peers."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import nats

from cli.nats import ClusterMember, NatsProcess
from cli.process import free_port
from contracts.core import EVENT_STREAM

SIZE = 3


@dataclass
class NatsCluster:
    nodes: list[NatsProcess]

    @property
    def url(self) -> str:
        """Every node's client URL, comma-separated: the services' `*_NATS_URL`."""
        return ",".join(node.url for node in self.nodes)

    @property
    def servers(self) -> list[str]:
        """The same, as a list: what the NATS client's `connect` takes."""
        return [node.url for node in self.nodes]

    def node(self, server_name: str) -> NatsProcess:
        for node in self.nodes:
            if node.cluster is not None and node.cluster.server_name == server_name:
                return node
        raise KeyError(server_name)

    def wait_healthy(self, timeout: float = 60.0) -> None:
        for node in self.nodes:
            node.wait_healthy(timeout)

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()

    async def stream_leader(self, stream: str = EVENT_STREAM, timeout: float = 30.0) -> str:
        """The server name of `stream`'s current leader (asked of any live node)."""
        deadline = time.monotonic() + timeout
        while True:
            live = [n.url for n in self.nodes if n.process.returncode is None]
            try:
                nc = await nats.connect(live, connect_timeout=2, max_reconnect_attempts=1)
                try:
                    info = await nc.jetstream().stream_info(stream)
                finally:
                    await nc.close()
                if info.cluster is not None and info.cluster.leader:
                    return info.cluster.leader
            except Exception:
                if time.monotonic() > deadline:
                    raise
            if time.monotonic() > deadline:
                raise TimeoutError(f"stream {stream} has no leader after {timeout}s")
            await asyncio.sleep(0.2)


@contextmanager
def running_nats_cluster(tmp_dir: Path, size: int = SIZE) -> Iterator[NatsCluster]:
    """Start `size` clustered nats-servers; yield once every one reports healthy."""
    host = "127.0.0.1"
    cluster_ports = [free_port(host) for _ in range(size)]
    routes = tuple(f"nats://{host}:{port}" for port in cluster_ports)
    nodes = []
    for i, cluster_port in enumerate(cluster_ports):
        store = (tmp_dir / f"nats-{i}").resolve()
        store.mkdir(parents=True, exist_ok=True)
        member = ClusterMember(server_name=f"nats-{i}", cluster_port=cluster_port, routes=routes)
        nodes.append(
            NatsProcess(
                store,
                host=host,
                port=free_port(host),
                monitor_port=free_port(),
                sink=None,
                cluster=member,
            )
        )
    cluster = NatsCluster(nodes)
    try:
        for node in nodes:
            node.launch()
        cluster.wait_healthy()
        yield cluster
    finally:
        cluster.stop()
