"""The whole system on one machine: NATS, migrations, the services and the gateway.

Which processes make the system, the environment each one gets, and the embedded
default (NATS, SQLite files and local object storage under one data directory).
`ecohost dev` runs a `Stack` in the foreground (cli/dev.py); end-to-end fixtures
and benchmarks use it directly.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Self

from cli import nats
from cli.process import (
    LogPrinter,
    ManagedProcess,
    ProcessError,
    Sink,
    dialable,
    http_status,
    port_is_free,
    wait_until,
)

SERVICES = ("engagement", "evaluation", "archive", "compliance")
GATEWAY = "gateway"
MODULES = {name: f"services.{name}" for name in SERVICES} | {GATEWAY: "gateway"}
"""The long-running processes after NATS, in start order, with the module each runs."""
MIGRATE = "migrate"
COLOURS = {
    nats.NAME: "35",
    "engagement": "36",
    "evaluation": "33",
    "archive": "32",
    "compliance": "31",
    GATEWAY: "34",
}
"""ANSI colour of each process's label in the dev stack's output."""


@dataclass
class StackConfig:
    """What `Stack` runs. Children inherit this process's environment; the values
    derived here override it, and `env` overrides both."""

    data_dir: Path = Path(".ecohost")
    gateway_host: str = "127.0.0.1"
    gateway_port: int = 8000
    nats_url: str | None = None
    """An external NATS; None starts one storing under `data_dir/nats`."""
    nats_port: int | None = None
    """The port that NATS takes if it is free (`ecohost dev`: 4222, the port the other
    commands' default URL dials); otherwise, and when None, a free one. Tests and
    benchmarks leave it None: stacks started at the same moment (pytest-xdist workers,
    other runs on the machine) would all find 4222 free and all but one fail to bind."""
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
    """NATS, the services and the gateway, started in order and stopped in reverse."""

    def __init__(self, config: StackConfig | None = None, *, sink: Sink | None = None) -> None:
        self.config = config or StackConfig()
        self.data_dir = self.config.data_dir.resolve()
        self.sink: Sink = sink or LogPrinter(COLOURS)
        self.nats: nats.NatsProcess | None = None
        self.nats_url = self.config.nats_url or ""
        self.processes: dict[str, ManagedProcess] = {}
        """Children by name, in start order; "nats" only when the stack started it."""

    @property
    def gateway_url(self) -> str:
        return f"http://{dialable(self.config.gateway_host)}:{self.config.gateway_port}"

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
        started and raise ProcessError. Setting `abort` gives up waiting for readiness."""
        try:
            self._start(abort)
        except BaseException:
            self.stop()
            raise

    def _start(self, abort: threading.Event | None) -> None:
        cfg = self.config
        # Checked first, so a busy port is one clear sentence instead of a dying gateway.
        if not port_is_free(cfg.gateway_host, cfg.gateway_port):
            raise ProcessError(f"port {cfg.gateway_port} on {cfg.gateway_host} is already in use")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.processes = {}
        if cfg.nats_url is None:
            wanted = cfg.nats_port
            free = wanted is not None and port_is_free("127.0.0.1", wanted)
            self.nats = nats.start_nats(
                self.data_dir / nats.NAME, port=wanted if free else None, sink=self.sink
            )
            self.nats_url = self.nats.url
            self.processes[nats.NAME] = self.nats.process
        self._migrate()
        for name, module in MODULES.items():
            child = self._child_process(
                name, [sys.executable, "-m", module], self._environment(name)
            )
            self.processes[name] = child
            child.start()
        self.wait_ready(abort)

    def _migrate(self) -> None:
        """`ecohost migrate` for every service, in a child that sees each service's
        database settings exactly as the service itself will."""
        argv = [sys.executable, "-m", "cli.main", MIGRATE, *SERVICES]
        migrate = self._child_process(MIGRATE, argv, self._environment(*SERVICES))
        migrate.run(self.config.ready_timeout)

    def _child_process(self, name: str, argv: list[str], env: dict[str, str]) -> ManagedProcess:
        log_path = self.data_dir / "logs" / f"{name}.log"
        return ManagedProcess(name, argv, env=env, log_path=log_path, sink=self.sink)

    def _environment(self, *names: str) -> dict[str, str]:
        """The environment of a child configuring the processes `names` (each reads only
        its own `ECOHOST_<NAME>_*` variables, so one environment can serve several)."""
        cfg = self.config
        env = dict(os.environ)
        env["PYTHONUNBUFFERED"] = "1"  # lines reach the sink as they are written
        for name in names:
            prefix = f"ECOHOST_{name.upper()}_"
            env[prefix + "NATS_URL"] = self.nats_url
            env[prefix + "LOG_FORMAT"] = cfg.log_format
            env[prefix + "DATABASE_URL"] = cfg.database_url(name)
            if cfg.log_level is not None:
                env[prefix + "LOG_LEVEL"] = cfg.log_level
            if name == GATEWAY:
                env[prefix + "HOST"] = cfg.gateway_host
                env[prefix + "PORT"] = str(cfg.gateway_port)
        # Files the archive keeps live in the stack's data directory, not the cwd's.
        env.setdefault("ECOHOST_ARCHIVE_LEDGER_KEY_FILE", str(self.data_dir / "ledger-signing.key"))
        env.setdefault("ECOHOST_ARCHIVE_STORAGE_LOCAL_ROOT", str(self.data_dir / "objects"))
        # The local store's signed URLs point at this stack's gateway (gateway/files.py).
        env.setdefault("ECOHOST_ARCHIVE_STORAGE_PUBLIC_BASE_URL", f"{self.gateway_url}/files")
        # Reminder emails: SMTP is off; the development sink is a maildir in the data dir.
        env.setdefault("ECOHOST_COMPLIANCE_NOTIFY__MAILDIR_PATH", str(self.data_dir / "mail"))
        env.update(cfg.env)
        return env

    def wait_ready(self, abort: threading.Event | None = None) -> None:
        """Return once the gateway's /health/ready answers 200 (it is ready once it
        reaches NATS); raise ProcessError naming any child that died meanwhile."""
        url = f"{self.gateway_url}/health/ready"
        wait_until(
            lambda: http_status(url) == 200,
            what=f"the gateway to be ready at {url}",
            explained_by=self.processes[GATEWAY],
            watched=self.processes.values(),
            timeout=self.config.ready_timeout,
            interval=0.2,
            abort=abort,
        )

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
            raise ProcessError(f"no process {name!r}; running: {known}") from None

    def kill_service(self, name: str) -> None:
        """SIGKILL one child ("nats" included when the stack owns it), as a crash would."""
        self._child(name).kill()

    def restart_service(self, name: str) -> None:
        """Stop one child gracefully (if still running) and start it again with the
        same environment. Waits for NATS health or, for the gateway, readiness."""
        child = self._child(name)
        if name == nats.NAME and self.nats is not None:
            self.nats.restart(self.config.stop_timeout)
            return
        child.stop(self.config.stop_timeout)
        child.start()
        if name == GATEWAY:
            self.wait_ready()
