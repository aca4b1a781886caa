"""The production shape on one machine, for the fault suite: a 3-node NATS JetStream
cluster (stream and consumers with 3 replicas), a PostgreSQL the tests may SIGKILL,
two replicas of each service and two gateways.

Every part can be killed and restarted by name (`FaultStack.kill`/`restart`); the
burst (tests/faults/burst.py) alternates between the two gateways as a load balancer
would."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from cli.process import ManagedProcess, free_port
from cli.stack import GATEWAY, SERVICES, Stack, StackConfig
from tests.e2e.harness import Api, RunningSystem
from tests.infra.nats_cluster import NatsCluster, running_nats_cluster
from tests.infra.postgres import KillablePostgres, killable_postgres
from tests.ops.replicas import _health_env, _wait_ready

REPLICAS = 3
"""JetStream replicas of the event stream and the consumers, as deploy/k8s sets them."""
RPC_TIMEOUT = 5.0


@dataclass
class FaultStack:
    system: RunningSystem
    nats: NatsCluster
    postgres: KillablePostgres
    replicas: dict[str, list[ManagedProcess]]
    """Per service, and for the gateway: the stack's own process first, then the second."""
    health_ports: dict[str, list[int]]
    gateway_urls: list[str] = field(default_factory=list)

    def kill(self, name: str, replica: int = 0) -> None:
        """SIGKILL one replica of a service or the gateway."""
        self.replicas[name][replica].kill()

    def restart(self, name: str, replica: int = 0) -> None:
        """Start a killed replica again with its environment; return once it is ready."""
        child = self.replicas[name][replica]
        child.stop()
        child.start()
        port = self.health_ports[name][replica]
        _wait_ready(port, child, timeout=120)


def _second(name: str, first: ManagedProcess, env: dict[str, str], log_dir: Path) -> ManagedProcess:
    assert first.env is not None
    return ManagedProcess(
        f"{name}-2", list(first.argv), env={**first.env, **env}, log_path=log_dir / f"{name}-2.log"
    )


@contextmanager
def fault_stack(data_dir: Path, env: dict[str, str] | None = None) -> Iterator[FaultStack]:
    with ExitStack() as stack_of:
        pg = stack_of.enter_context(killable_postgres())
        cluster = stack_of.enter_context(running_nats_cluster(data_dir))
        database = "faults"
        pg.info.create_database(database)
        urls = {name: pg.info.async_url(database) for name in (*SERVICES, GATEWAY)}
        ports = {name: [free_port(), free_port()] for name in SERVICES}
        settings = {"ECOHOST_GATEWAY_RPC_TIMEOUT": str(RPC_TIMEOUT), **(env or {})}
        for name in SERVICES:
            settings |= _health_env(name, ports[name][0])
            settings[f"ECOHOST_{name.upper()}_STREAM_REPLICAS"] = str(REPLICAS)
        config = StackConfig(
            data_dir=data_dir,
            gateway_port=free_port(),
            nats_url=cluster.url,
            database_urls=urls,
            env=settings,
            log_format="json",
            log_level="WARNING",
            ready_timeout=120,
            stop_timeout=30,
        )
        stack = stack_of.enter_context(Stack(config, sink=lambda _n, _l: None))
        client = stack_of.enter_context(httpx.Client(timeout=30))
        seconds: list[ManagedProcess] = []
        log_dir = data_dir / "logs"
        try:
            for name in SERVICES:
                child = _second(
                    name, stack.processes[name], _health_env(name, ports[name][1]), log_dir
                )
                child.start()
                seconds.append(child)
            gateway_port = free_port()
            gateway = _second(
                GATEWAY,
                stack.processes[GATEWAY],
                {"ECOHOST_GATEWAY_PORT": str(gateway_port)},
                log_dir,
            )
            gateway.start()
            seconds.append(gateway)
            ports[GATEWAY] = [config.gateway_port, gateway_port]
            for name, child in zip((*SERVICES, GATEWAY), seconds, strict=True):
                _wait_ready(ports[name][1], child, timeout=120)
            system = RunningSystem(
                stack=stack, api=Api(stack.gateway_url, client), database_urls=urls
            )
            replicas = {
                name: [stack.processes[name], seconds[i]]
                for i, name in enumerate((*SERVICES, GATEWAY))
            }
            yield FaultStack(
                system=system,
                nats=cluster,
                postgres=pg,
                replicas=replicas,
                health_ports=ports,
                gateway_urls=[f"http://127.0.0.1:{port}" for port in ports[GATEWAY]],
            )
        finally:
            # Before the stack stops NATS: the second replicas flush their outboxes too.
            deadline = time.monotonic() + 30
            for child in seconds:
                child.stop(timeout=max(1.0, deadline - time.monotonic()))
