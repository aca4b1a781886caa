"""The gateway process's CPU per createEngagement, served as in production, nothing else.

    python -m bench.gateway_process --before TREE [--n 1500] [--rounds 4] [--concurrency 1,32]

`bench.gateway_mutation` measures the GraphQL part in process (no server, no NATS);
`bench.graphql_burst` the whole system, where the gateway's column moves with the load of
five other processes. Here two gateways run as `python -m gateway` does (uvicorn with
the gateway's protocol, uvloop, the NATS client), one from this tree and one from
`--before`, both on one nats-server, and the engagement service is a stand-in in this
process answering `engagement.create` with the recorded reply of
`bench.gateway_mutation`: the gateways do all their own work (HTTP, GraphQL, the
RPC over NATS), and no other process of the system runs. The lean client of
`bench.graphql_burst` sends the mutation `--n` times to one gateway, then to the
other, for `--rounds` rounds at each concurrency, the order turned round every other
round (ABBA); the gateway's CPU (user + system, from /proc) per mutation is printed
per round, then the medians. Each gateway runs with its own tree alone on
`PYTHONPATH`, in a temp directory. The distinct replies (status and body; the lean
client keeps no other header) are collected per tree — the mutation and the stand-in's
answer never vary, so neither should they — and the last lines give their sha256 per
tree and whether the two trees answered byte for byte alike. Each round also prints the
cyclic collector's collections and the objects it freed in that gateway, per 1,000
mutations (prometheus_client's `python_gc_*` counters on its /metrics, read outside the
timed burst): objects left in reference cycles are what reference counting cannot free.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import statistics
import subprocess
import sys
import time
from contextlib import ExitStack
from pathlib import Path

import nats
from nats.aio.msg import Msg

from bench import common
from bench.burst_client import LeanBurstClient
from bench.gateway_mutation import AGENCY_ID, REPLY, mutation_body
from cli.process import free_port
from contracts.engagement.rpc import CREATE_ENGAGEMENT
from tests.e2e.harness import token

HERE = Path(__file__).resolve().parents[1]


def start_gateway(tree: Path, nats_url: str, data: Path) -> tuple[subprocess.Popen[bytes], int]:
    """`python -m gateway` from `tree`, on a free port, its casbin store in `data`."""
    port = free_port()
    data.mkdir(parents=True)
    env = dict(os.environ)
    env |= {
        "PYTHONPATH": str(tree),
        "ECOHOST_GATEWAY_PORT": str(port),
        "ECOHOST_GATEWAY_NATS_URL": nats_url,
        "ECOHOST_GATEWAY_DATABASE_URL": f"sqlite+aiosqlite:///{data / 'gateway.db'}",
        "ECOHOST_GATEWAY_LOG_LEVEL": "WARNING",
        "ECOHOST_GATEWAY_RPC_TIMEOUT": "60",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "gateway"], env=env, cwd=data, stdout=subprocess.DEVNULL
    )
    return process, port


async def ready(client: LeanBurstClient, process: subprocess.Popen[bytes]) -> None:
    probe = client.prepare("GET", "/health/ready", {})
    for _ in range(600):
        if process.poll() is not None:
            raise RuntimeError("a gateway exited while starting")
        try:
            if (await client.send(probe)).status == 200:
                return
        except OSError:
            pass
        await asyncio.sleep(0.1)
    raise RuntimeError("a gateway did not get ready")


async def collector(client: LeanBurstClient) -> tuple[float, float]:
    """The gateway's cyclic collections and the objects they freed so far, all
    generations (prometheus_client's default collector, on /metrics)."""
    reply = await client.send(client.prepare("GET", "/metrics", {}))
    totals = {"python_gc_collections_total": 0.0, "python_gc_objects_collected_total": 0.0}
    for line in reply.body.decode().splitlines():
        name, _, value = line.partition("{")
        if name in totals:
            totals[name] += float(value.rpartition(" ")[2])
    return totals["python_gc_collections_total"], totals["python_gc_objects_collected_total"]


async def burst(
    client: LeanBurstClient,
    request: bytes,
    n: int,
    concurrency: int,
    replies: set[bytes] | None = None,
) -> None:
    """`n` requests, `concurrency` at a time; each distinct status and body into `replies`."""

    async def one(_i: int) -> None:
        reply = await client.send(request)
        if reply.status != 200 or b"CreateEngagementSuccess" not in reply.body:
            raise RuntimeError(f"unexpected answer: {reply.status} {reply.body[:300]!r}")
        if replies is not None:
            replies.add(str(reply.status).encode() + b" " + reply.body)

    await common.drive(one, n, concurrency)


async def measure(trees: dict[str, Path], n: int, rounds: int, levels: list[int]) -> None:
    with ExitStack() as stack:
        server = stack.enter_context(common.nats_server())
        tmp = stack.enter_context(common.temp_dir("gateway-process"))
        responder = await nats.connect(server.url, name="bench-engagement-stand-in")

        async def answer(msg: Msg) -> None:
            await msg.respond(REPLY)

        await responder.subscribe(CREATE_ENGAGEMENT.subject, queue="stand-in", cb=answer)
        gateways = {}
        for name, tree in trees.items():
            process, port = start_gateway(tree, server.url, tmp / name)
            stack.callback(process.wait, 30)
            stack.callback(process.terminate)
            gateways[name] = (process, LeanBurstClient("127.0.0.1", port))
        bearer = token(f"agency:{AGENCY_ID}", "project_manager", user="pm")
        headers = {"content-type": "application/json", "authorization": f"Bearer {bearer}"}
        results: dict[tuple[str, int], list[float]] = {}
        replies: dict[str, set[bytes]] = {name: set() for name in gateways}
        try:
            for process, client in gateways.values():  # started, then warmed up
                await ready(client, process)
                warmup = client.prepare("POST", "/graphql", headers, mutation_body())
                await burst(client, warmup, 200, 8)
            for concurrency in levels:
                for round_ in range(rounds):
                    # ABBA: each tree first in every other round, so a drift of the
                    # machine's load favours neither.
                    order = list(gateways.items())
                    for name, (process, client) in order[:: 1 if round_ % 2 == 0 else -1]:
                        request = client.prepare("POST", "/graphql", headers, mutation_body())
                        collections, collected = await collector(client)
                        before = common.cpu_seconds(process.pid) or 0.0
                        started = time.perf_counter()
                        await burst(client, request, n, concurrency, replies[name])
                        wall = time.perf_counter() - started
                        cpu = (common.cpu_seconds(process.pid) or 0.0) - before
                        after_collections, after_collected = await collector(client)
                        results.setdefault((name, concurrency), []).append(cpu / n * 1e3)
                        print(
                            f"{concurrency:2} clients, round {round_ + 1}, {name:6}: "
                            f"{cpu / n * 1e3:.3f} ms CPU/mutation, {n / wall:.0f} mutations/s, "
                            f"gc per 1,000: {(after_collections - collections) / n * 1e3:.1f} "
                            f"collections, {(after_collected - collected) / n * 1e3:,.0f} "
                            f"objects freed, load {os.getloadavg()[0]:.1f}",
                            flush=True,
                        )
        finally:
            for _process, client in gateways.values():
                await client.aclose()
            await responder.close()
    print()
    for (name, concurrency), ms in results.items():
        print(
            f"{concurrency:2} clients {name:6}: median {statistics.median(ms):.3f} ms/mutation "
            f"(range {min(ms):.3f}-{max(ms):.3f}) over {len(ms)} rounds"
        )
    for name, answered in replies.items():
        digest = hashlib.sha256(b"".join(sorted(answered))).hexdigest()
        print(f"{name:6}: {len(answered)} distinct replies, sha256 {digest}")
    print("replies identical before and after:", len({frozenset(r) for r in replies.values()}) == 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, required=True, help="a worktree to compare with")
    parser.add_argument("--n", type=int, default=1500)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--concurrency", default="1,32")
    args = parser.parse_args()
    trees = {"before": args.before.resolve(), "after": HERE}
    levels = [int(c) for c in args.concurrency.split(",")]
    asyncio.run(measure(trees, args.n, args.rounds, levels))


if __name__ == "__main__":
    main()
