"""Supervising child processes: start, drain their output, wait for readiness, stop.

Everything here is synchronous (subprocesses plus one reader thread per child),
so a plain pytest fixture or the CLI can drive it without an event loop.
"""

from __future__ import annotations

import atexit
import collections
import contextlib
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TextIO

Sink = Callable[[str, str], None]
"""Receives each output line of a child: (process name, line without newline)."""

# Health checks go to our own children on loopback; an HTTP(S)_PROXY in the
# environment must not route them elsewhere.
_LOCAL_HTTP = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class ProcessError(RuntimeError):
    """A supervised process could not start, did not become ready, or died."""


def _ephemeral_low() -> int:
    """Lowest port the kernel hands to outgoing connections (Linux's default 32768)."""
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


# Ports are drawn below the ephemeral range: a port the OS picked with bind(0)
# sits in the range every client socket draws from, so between our picking it
# and a child binding it, any outgoing connection on the machine could take it
# (a CI run lost a service's health port that way). Below the range only
# another listener can, and each port goes out once per process.
_PORT_FLOOR = 20000
_handed_out: set[int] = set()
_port_lock = threading.Lock()


def free_port(host: str = "127.0.0.1") -> int:
    """A port nobody listens on right now, outside the range outgoing connections use.

    Another process that also picks listening ports may still take it first;
    drawing at random from some ten thousand ports makes that unlikely."""
    ceiling = max(_ephemeral_low(), _PORT_FLOOR + 1000)
    rng = random.Random(os.getpid() ^ time.monotonic_ns())
    with _port_lock:
        for _ in range(200):
            port = rng.randrange(_PORT_FLOOR, ceiling)
            if port in _handed_out or not _bindable(host, port):
                continue
            _handed_out.add(port)
            return port
    raise ProcessError(f"no free port between {_PORT_FLOOR} and {ceiling} on {host}")


def _bindable(host: str, port: int) -> bool:
    """Bindable without SO_REUSEADDR: nobody listens and nothing lingers in TIME_WAIT."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # Same flag as Go's and uvicorn's listeners, so a port left in TIME_WAIT by
        # the previous run counts as free, as it is for them.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def dialable(host: str) -> str:
    """The address a client on this machine uses to reach a server bound to `host`."""
    return "127.0.0.1" if host in ("", "0.0.0.0") else host


def tcp_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def http_status(url: str, timeout: float = 1.0) -> int | None:
    """Status of a GET, or None when nothing answers."""
    try:
        with _LOCAL_HTTP.open(url, timeout=timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:  # URLError, refused, reset, timeout
        return None


class LogPrinter:
    """Prints each child's lines as `engagement │ …`, whole lines only, one writer at a time.

    `colours` maps a process name to its ANSI colour code; the longest name sets
    the width of the label column.
    """

    def __init__(
        self,
        colours: Mapping[str, str],
        stream: TextIO | None = None,
        *,
        colour: bool | None = None,
    ) -> None:
        self._stream = stream or sys.stdout
        if colour is None:  # https://no-color.org
            colour = self._stream.isatty() and "NO_COLOR" not in os.environ
        self._colour = colour
        self._colours = dict(colours)
        self._width = max((len(name) for name in colours), default=0)
        self._lock = threading.Lock()

    def __call__(self, name: str, line: str) -> None:
        label = name.ljust(self._width)
        if self._colour:
            label = f"\x1b[{self._colours.get(name, '1')}m{label}\x1b[0m"
        with self._lock:
            self._stream.write(f"{label} │ {line}\n")
            self._stream.flush()


class ManagedProcess:
    """One child process: started, drained line by line, stopped on request.

    stdout and stderr share one pipe that a thread drains, so the child never
    blocks on a full pipe; the last lines stay in memory for error messages and
    all of them go to `log_path` (truncated when this object is made, appended
    to across restarts).
    """

    def __init__(
        self,
        name: str,
        argv: list[str],
        *,
        env: Mapping[str, str] | None = None,
        log_path: Path | None = None,
        sink: Sink | None = None,
        tail_lines: int = 200,
    ) -> None:
        self.name = name
        self.argv = argv
        self.env = dict(env) if env is not None else None
        self.log_path = log_path
        self.sink = sink
        self._popen: subprocess.Popen[bytes] | None = None
        self._reader: threading.Thread | None = None
        self._tail: collections.deque[str] = collections.deque(maxlen=tail_lines)
        self._tail_lock = threading.Lock()
        if log_path is not None:
            log_path.parent.mkdir(parents=True, exist_ok=True)
            log_path.write_text("")

    def start(self) -> None:
        if self.running:
            raise ProcessError(f"{self.name} is already running (pid {self.pid})")
        self._popen = subprocess.Popen(
            self.argv,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            # A session of its own, so a terminal's Ctrl-C reaches only the
            # supervisor, which then stops children in order; otherwise SIGINT hits
            # everyone at once and NATS may go before the services flush outboxes.
            start_new_session=True,
        )
        self._reader = threading.Thread(
            target=self._drain, args=(self._popen,), name=f"{self.name}-output", daemon=True
        )
        self._reader.start()
        # A supervisor that exits without stopping us (a test that forgot, an
        # exception) must not leave an orphan in its own session holding ports.
        atexit.register(self._stop_at_exit)

    def run(self, timeout: float) -> None:
        """Start, wait for a zero exit (a one-shot command); raise ProcessError otherwise."""
        self.start()
        if self.wait(timeout) is None:
            self.kill()
            raise ProcessError(
                f"{self.name} still running after {timeout:.0f} s; its last lines:\n"
                + indent(self.tail())
            )
        if self.returncode != 0:
            raise ProcessError(death_note(self, "instead of 0"))

    def _stop_at_exit(self) -> None:
        self.stop(timeout=5.0)

    def _drain(self, popen: subprocess.Popen[bytes]) -> None:
        assert popen.stdout is not None
        log = self.log_path.open("a", encoding="utf-8") if self.log_path else None
        try:
            for raw in popen.stdout:
                line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
                with self._tail_lock:
                    self._tail.append(line)
                # Whatever goes wrong with the log file or the terminal, keep
                # reading: a child whose pipe nobody drains hangs on its next write.
                with contextlib.suppress(Exception):
                    if log is not None:
                        log.write(line + "\n")
                        log.flush()
                    if self.sink is not None:
                        self.sink(self.name, line)
        finally:
            popen.stdout.close()
            if log is not None:
                log.close()

    @property
    def pid(self) -> int | None:
        return self._popen.pid if self._popen else None

    @property
    def returncode(self) -> int | None:
        """Exit code once the child has exited (negative: killed by that signal)."""
        return self._popen.poll() if self._popen else None

    @property
    def running(self) -> bool:
        return self._popen is not None and self._popen.poll() is None

    def tail(self, lines: int = 20) -> list[str]:
        with self._tail_lock:
            return list(self._tail)[-lines:]

    def terminate(self) -> None:
        """Ask the child to stop (SIGTERM); it drains and exits on its own time."""
        if self._popen is not None and self._popen.poll() is None:
            self._popen.terminate()

    def wait(self, timeout: float | None = None) -> int | None:
        """Exit code, or None if the child is still running after `timeout` seconds."""
        if self._popen is None:
            return None
        try:
            code = self._popen.wait(timeout)
        except subprocess.TimeoutExpired:
            return None
        self._reaped()
        return code

    def kill(self) -> None:
        """SIGKILL the child and anything it spawned in its session, and reap it."""
        if self._popen is None:
            return
        if self._popen.poll() is None:
            # The session's group: a gateway running uvicorn workers must not
            # leave orphans holding the port.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self._popen.pid, signal.SIGKILL)
        self._popen.wait()
        self._reaped()

    def stop(self, timeout: float = 10.0) -> int | None:
        """SIGTERM, then SIGKILL if the child is still alive after `timeout` seconds."""
        self.terminate()
        if self.wait(timeout) is None:
            self.kill()
        return self.returncode

    def _reaped(self) -> None:
        atexit.unregister(self._stop_at_exit)
        # Bounded: a grandchild that inherited the pipe can keep it open after the
        # child itself has gone.
        if self._reader is not None:
            self._reader.join(timeout=2.0)


def wait_until(
    ready: Callable[[], bool],
    *,
    what: str,
    explained_by: ManagedProcess,
    watched: Iterable[ManagedProcess],
    timeout: float,
    interval: float = 0.05,
    abort: threading.Event | None = None,
) -> None:
    """Poll `ready` until it holds. Raise ProcessError when a `watched` child dies,
    after `timeout` seconds (quoting `explained_by`'s last lines) or when `abort` is set.
    `what` completes "waiting for …" in those messages."""
    deadline = time.monotonic() + timeout
    pause = abort or threading.Event()
    watched = list(watched)
    while True:
        for child in watched:
            if child.returncode is not None:
                raise ProcessError(death_note(child, f"while waiting for {what}"))
        if ready():
            return
        if time.monotonic() > deadline:
            raise ProcessError(
                f"gave up waiting for {what} after {timeout:.0f} s; "
                f"last lines of {explained_by.name}:\n{indent(explained_by.tail())}"
            )
        if pause.wait(interval):
            raise ProcessError(f"interrupted while waiting for {what}")


def death_note(child: ManagedProcess, when: str) -> str:
    """Why a child is gone: its exit code, where its log is, and its last lines."""
    where = f" (full log: {child.log_path})" if child.log_path else ""
    return (
        f"{child.name} exited with code {child.returncode} {when}{where}; its last lines:\n"
        + indent(child.tail())
    )


def indent(lines: list[str]) -> str:
    return "\n".join(f"    {line}" for line in lines) or "    (no output)"
