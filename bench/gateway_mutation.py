"""The gateway's part of a createEngagement, in process: CPU and Python calls per mutation.

    python -m bench.gateway_mutation [--n 2000] [--rounds 5] [--before TREE] [--profile]

The whole-system burst (`bench.graphql_burst`) measures a shared machine's load as much
as the gateway. Here the gateway app alone serves N `createEngagement` mutations, called
as an ASGI app (no server, no HTTP client: their cost is not the gateway's): POST
/graphql → strawberry → `RpcClient.call` → the reply. The engagement service is answered
in process by a stand-in NATS connection returning one recorded reply, so every byte the
gateway decodes and sends is fixed and the responses can be compared across trees.

Per round and tree, in a fresh subprocess: CPU µs per mutation (`time.process_time`),
Python function calls per mutation (cProfile, a separate pass) and the sha256 over every
response's status, headers and body. `--before TREE` runs the same harness against
another worktree's code (its packages first on `sys.path`), alternating with this one.
`--profile` prints cProfile's top functions of this tree.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import hashlib
import importlib.util
import io
import json
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve()
AGENCY_ID = "0190a3c2-7b1e-7c3d-8e4f-00000000beef"
UNIT_ID = "0190a3c2-7b1e-7c3d-8e4f-0000000000aa"
ENGAGEMENT_ID = "0190a3c2-7b1e-7c3d-8e4f-0000000000ee"
WARMUP = 200
# The engagement service's answer to CreateEngagement, as it sends it.
REPLY = (
    b'{"ok":true,"result":{"id":"'
    + ENGAGEMENT_ID.encode()
    + b'","unit_id":"'
    + UNIT_ID.encode()
    + b'","agency_id":"'
    + AGENCY_ID.encode()
    + b'","service_modes":["fixed_resident"],"period_start":"2026-01-01","period_end":'
    b'"2026-12-31","stage":"preparation","region_code":"440300","created_at":'
    b'"2026-01-01T08:00:00Z","fee_terms":null,"status":"active"}}'
)


def _stand_ins() -> Any:
    """This tree's tests/gateway/stand_ins.py, loaded by its path: the tree measured
    (`--before`) may predate it."""
    path = HERE.parents[1] / "tests" / "gateway" / "stand_ins.py"
    spec = importlib.util.spec_from_file_location("gateway_mutation_stand_ins", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def mutation_body() -> bytes:
    from tests.e2e.harness import CREATE_ENGAGEMENT

    unit_global = __import__("base64").b64encode(f"Unit:{UNIT_ID}".encode()).decode()
    variables = {
        "input": {
            "unitId": unit_global,
            "agencyId": AGENCY_ID,
            "serviceModes": ["FIXED_RESIDENT"],
            "periodStart": "2026-01-01",
            "periodEnd": "2026-12-31",
        }
    }
    return json.dumps({"query": CREATE_ENGAGEMENT, "variables": variables}).encode()


async def _asgi_post(
    app: Any, path: str, body: bytes, headers: list[tuple[bytes, bytes]]
) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """One POST through the ASGI app, as a server would send it."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("gw", 80),
    }
    sent = False
    status = 0
    out_headers: list[tuple[bytes, bytes]] = []
    chunks: list[bytes] = []

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            await asyncio.sleep(3600)
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
            out_headers.extend(message.get("headers", []))
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, out_headers, b"".join(chunks)


async def measure(n: int, profile: bool) -> dict[str, Any]:
    """Serve `n` mutations after a warm-up: CPU µs and calls per mutation, responses' sha256."""
    from gateway.app import create_app
    from gateway.settings import GatewaySettings
    from kit.reply_structs import struct_replies
    from kit.rpc import RpcClient
    from tests.e2e.harness import token

    with tempfile.TemporaryDirectory(prefix="gw-mutation-") as tmp:
        settings = GatewaySettings(
            database_url=f"sqlite+aiosqlite:///{Path(tmp) / 'gateway.db'}",
            nats_url="nats://127.0.0.1:9",  # never reached: the RPC is answered in process
        )
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            state = app.state.gateway
            for task in state.tasks:  # no NATS connection attempts during the timing
                task.cancel()
            nats = _stand_ins().AnsweringNats(REPLY)
            state.rpc = RpcClient(nats, decode=struct_replies)
            bearer = token(f"agency:{AGENCY_ID}", "project_manager", user="pm")
            body = mutation_body()
            headers = [
                (b"host", b"gw"),
                (b"content-type", b"application/json"),
                (b"accept", b"application/json"),
                (b"authorization", f"Bearer {bearer}".encode()),
                (b"x-request-id", b"bench-request"),
                (b"content-length", str(len(body)).encode()),
            ]

            async def one() -> tuple[int, list[tuple[bytes, bytes]], bytes]:
                return await _asgi_post(app, "/graphql", body, headers)

            first = await one()
            if first[0] != 200 or b"CreateEngagementSuccess" not in first[2]:
                raise RuntimeError(f"unexpected answer: {first}")
            for _ in range(WARMUP):
                await one()
            digest = hashlib.sha256()
            started = time.process_time()
            for _ in range(n):
                status, out, data = await one()
                digest.update(repr((status, out)).encode() + data)
            cpu = time.process_time() - started
            calls, top = await _calls(one, n, profile)
            return {
                "us_per_mutation": cpu / n * 1e6,
                "calls_per_mutation": calls / n,
                "sha256": digest.hexdigest(),
                "response": first[2].decode(),
                "rpc_requests": len(nats.headers),
                "profile": top,
            }


async def _calls(one: Callable[[], Awaitable[object]], n: int, profile: bool) -> tuple[int, str]:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(n):
        await one()
    profiler.disable()
    stats = pstats.Stats(profiler)
    top = ""
    if profile:
        text = io.StringIO()
        stats.stream = text  # type: ignore[attr-defined]
        stats.sort_stats("tottime").print_stats(30)
        stats.sort_stats("cumulative").print_stats(45)
        top = text.getvalue()
    return stats.total_calls, top  # type: ignore[attr-defined]


def _run_tree(tree: Path | None, n: int, profile: bool) -> dict[str, Any]:
    """One round in a fresh process, against `tree`'s code (None: this tree)."""
    env = dict(os.environ)
    root = tree or HERE.parents[1]
    env["PYTHONPATH"] = str(root)
    code = (
        "import runpy, sys; sys.argv = sys.argv[:1] + sys.argv[1:]; "
        f"runpy.run_path({str(HERE)!r}, run_name='__main__')"
    )
    args = [sys.executable, "-c", code, "--child", "--n", str(n)]
    if profile:
        args.append("--profile")
    done = subprocess.run(args, env=env, cwd=root, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"round in {root} failed:\n{done.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--before", type=Path, help="a worktree to compare with")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        import logging

        logging.disable(logging.WARNING)
        print(json.dumps(asyncio.run(measure(args.n, args.profile))))
        return
    trees: list[tuple[str, Path | None]] = [("after", None)]
    if args.before:
        trees.insert(0, ("before", args.before.resolve()))
    results: dict[str, list[dict[str, Any]]] = {name: [] for name, _ in trees}
    for round_ in range(args.rounds):
        for name, tree in trees:
            result = _run_tree(tree, args.n, profile=False)
            results[name].append(result)
            print(
                f"round {round_ + 1} {name:6} {result['us_per_mutation']:8.1f} µs/mutation "
                f"{result['calls_per_mutation']:7.0f} calls/mutation "
                f"sha256 {result['sha256'][:16]}",
                flush=True,
            )
    load = os.getloadavg()[0]
    print(f"\n{args.n} mutations per round, {args.rounds} rounds, load average {load:.1f}")
    for name, rounds in results.items():
        us = [r["us_per_mutation"] for r in rounds]
        calls = {round(r["calls_per_mutation"]) for r in rounds}
        digests = {r["sha256"] for r in rounds}
        print(
            f"{name:6}: median {statistics.median(us):.1f} µs/mutation "
            f"(range {min(us):.1f}-{max(us):.1f}), calls/mutation {sorted(calls)}, "
            f"sha256 {sorted(digests)}"
        )
    if args.before:
        same = {r["sha256"] for rs in results.values() for r in rs}
        print("responses identical before and after:", len(same) == 1)
    print("response:", results["after"][0]["response"])
    if args.profile:
        print(_run_tree(None, args.n, profile=True)["profile"])


if __name__ == "__main__":
    main()
