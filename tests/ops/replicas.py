"""The whole system with two replicas of each service, as a Kubernetes Deployment with
`replicas: 2` runs it: one NATS, one PostgreSQL database (a schema per service), the
gateway, and a second process per service started with the first one's environment."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import nats

from cli.process import ManagedProcess, free_port
from cli.stack import SERVICES, Stack, StackConfig
from tests.e2e.harness import Api, RunningSystem
from tests.infra.postgres import PostgresInfo


@dataclass
class Replicated:
    system: RunningSystem
    replicas: dict[str, list[ManagedProcess]]
    """Per service: the stack's own process first, then the second replica."""
    health_ports: dict[str, int]
    """Per replica name (`engagement`, `engagement-2`, …)."""

    @property
    def nats_url(self) -> str:
        return self.system.stack.nats_url

    def metrics(self, replica: str) -> str:
        url = f"http://127.0.0.1:{self.health_ports[replica]}/metrics"
        return httpx.get(url, trust_env=False).text


def _health_env(service: str, port: int) -> dict[str, str]:
    return {f"ECOHOST_{service.upper()}_HEALTH_PORT": str(port)}


def _wait_ready(port: int, child: ManagedProcess, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    url = f"http://127.0.0.1:{port}/health/ready"
    while time.monotonic() < deadline:
        if child.returncode is not None:
            raise RuntimeError(f"{child.name} exited: " + "\n".join(child.tail()))
        try:
            if httpx.get(url, trust_env=False, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{child.name} not ready: " + "\n".join(child.tail()))


@contextmanager
def replicated_system(
    data_dir: Path, pg: PostgresInfo, env: dict[str, str] | None = None
) -> Iterator[Replicated]:
    database = f"replicas_{data_dir.name.replace('-', '_')}"
    pg.create_database(database)
    urls = {name: pg.async_url(database) for name in (*SERVICES, "gateway")}
    ports = {name: free_port() for name in SERVICES}
    env = {"ECOHOST_GATEWAY_RPC_TIMEOUT": "5", **(env or {})}
    for name in SERVICES:
        env |= _health_env(name, ports[name])
    config = StackConfig(
        data_dir=data_dir,
        gateway_port=free_port(),
        database_urls=urls,
        env=env,
        log_format="json",
        log_level="INFO",
    )
    seconds: list[ManagedProcess] = []
    with Stack(config, sink=lambda _n, _l: None) as stack, httpx.Client(timeout=30) as client:
        try:
            for name in SERVICES:
                first = stack.processes[name]
                port = free_port()
                assert first.env is not None
                child = ManagedProcess(
                    f"{name}-2",
                    list(first.argv),
                    env={**first.env, **_health_env(name, port)},
                    log_path=data_dir / "logs" / f"{name}-2.log",
                )
                child.start()
                seconds.append(child)
                ports[f"{name}-2"] = port
                _wait_ready(port, child)
            for name in SERVICES:
                _wait_ready(ports[name], stack.processes[name])
            system = RunningSystem(
                stack=stack, api=Api(stack.gateway_url, client), database_urls=urls
            )
            replicas = {
                name: [stack.processes[name], seconds[i]] for i, name in enumerate(SERVICES)
            }
            yield Replicated(system=system, replicas=replicas, health_ports=ports)
        finally:
            # Before the stack stops NATS: the second replicas flush their outboxes too.
            for child in seconds:
                child.stop(timeout=30)


async def service_stats(nats_url: str, service: str, wait: float = 1.0) -> dict[str, int]:
    """Requests each running instance of `service` answered, from `$SRV.STATS` (nats.micro)."""
    nc = await nats.connect(nats_url)
    try:
        inbox = nc.new_inbox()
        sub = await nc.subscribe(inbox)
        await nc.publish(f"$SRV.STATS.{service}", b"", reply=inbox)
        answers: dict[str, int] = {}
        while True:
            try:
                msg = await sub.next_msg(timeout=wait)
            except nats.errors.TimeoutError:
                return answers
            stats: dict[str, Any] = json.loads(msg.data)
            answers[stats["id"]] = sum(e["num_requests"] for e in stats["endpoints"])
    finally:
        await nc.close()


async def consumer_backlog(nats_url: str) -> dict[str, tuple[int, int]]:
    """Per durable consumer of the event stream: (not yet delivered, delivered unacked)."""
    nc = await nats.connect(nats_url)
    try:
        infos = await nc.jetstream().consumers_info("ECOHOST_EVENTS")
        return {i.name: (i.num_pending or 0, i.num_ack_pending or 0) for i in infos}
    finally:
        await nc.close()
