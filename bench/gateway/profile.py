"""`--profile DIR`: py-spy samples every process of the system while it serves the
dashboard, after the timed rounds (the sampling costs the profiled process CPU, so it
never overlaps a measurement). Writes one collapsed-stack file per process and prints
each one's top functions by own time and by time below them."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx

from bench import common
from bench.gateway.workload import DASHBOARD, Target

RATE = 200  # samples per second
TOP = 12
# Sampling without pausing the process (the default) skews little; BENCH_SPY_BLOCKING=1
# pauses it per sample for consistent stacks (slower, the stacks of native code whole).
NONBLOCKING = [] if os.environ.get("BENCH_SPY_BLOCKING") else ["--nonblocking"]


def profile_system(
    target: Target, manager: str, n: int, concurrency: int, loop: str, out_dir: Path
) -> None:
    # nats-server is Go: py-spy cannot sample it.
    pids = {name: pid for name, pid in target.pids.items() if name != "nats"}
    with sampling(pids, out_dir):
        common.run_async(_load(target.url, manager, n, concurrency), loop)
    for name in pids:
        print_top(name, out_dir / f"{name}.txt")


@contextmanager
def sampling(pids: Mapping[str, int | None], out_dir: Path) -> Iterator[None]:
    """py-spy records each of `pids` (Python processes) into DIR/<name>.txt while
    the block runs."""
    spy = shutil.which("py-spy") or shutil.which("py-spy", path=str(Path(sys.executable).parent))
    if spy is None:
        raise RuntimeError("py-spy is not installed (pip install -e '.[bench]')")
    out_dir.mkdir(parents=True, exist_ok=True)
    spies = {
        name: subprocess.Popen(
            [
                spy,
                "record",
                "--pid",
                str(pid),
                "--rate",
                str(RATE),
                "--format",
                "raw",
                *NONBLOCKING,
                "--output",
                str(out_dir / f"{name}.txt"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for name, pid in pids.items()
        if pid is not None
    }
    try:
        yield
    finally:
        for p in spies.values():
            p.send_signal(signal.SIGINT)
        for p in spies.values():
            p.wait(30)


async def _load(url: str, manager: str, n: int, concurrency: int) -> None:
    headers = {"authorization": f"Bearer {manager}", "content-type": "application/json"}
    body = json.dumps({"query": DASHBOARD}).encode()
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=600) as client:

        async def call(_i: int) -> None:
            (await client.post(url + "/graphql", content=body, headers=headers)).raise_for_status()

        await common.drive(call, n, concurrency)


def print_top(name: str, path: Path) -> None:
    """Own and inclusive sample shares per function, from py-spy's collapsed stacks."""
    own: Counter[str] = Counter()
    below: Counter[str] = Counter()
    total = 0
    if not path.exists():
        print(f"{name}: no profile written", flush=True)
        return
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        samples = int(count)
        total += samples
        frames = [
            f.split(" (")[0] + " " + f.rsplit("/", 1)[-1].split(":")[0] for f in stack.split(";")
        ]
        frames = [f.rstrip(")") for f in frames]
        own[frames[-1]] += samples
        for f in set(frames):
            below[f] += samples
    if not total:
        print(f"{name}: no samples", flush=True)
        return
    print(f"\n{name}: {total} samples; top by own time", flush=True)
    for f, c in own.most_common(TOP):
        print(f"  {100 * c / total:5.1f}%  {f}")
    print(f"{name}: top by time below (inclusive)")
    for f, c in below.most_common(TOP * 3)[: TOP * 3]:
        print(f"  {100 * c / total:5.1f}%  {f}")
