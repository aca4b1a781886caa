"""The whole system as `make run` starts it, on the embedded default (SQLite) and on
PostgreSQL, with its own nats-server. The shared fixtures `system` and
`production_system` live in tests/conftest.py (one stack each per session); a module
whose stack needs other settings starts its own with `start_system`."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from cli.process import free_port
from cli.stack import Stack, StackConfig
from tests.e2e.harness import Api, RunningSystem
from tests.infra.postgres import PostgresInfo

SERVICES = ("engagement", "evaluation", "archive", "compliance", "gateway")
PRODUCTION_BUCKET = "ecohost-e2e-archive"


def start_system(
    data_dir: Path, database_urls: dict[str, str], env: dict[str, str] | None = None
) -> Iterator[RunningSystem]:
    config = StackConfig(
        data_dir=data_dir,
        gateway_port=free_port(),
        database_urls=database_urls,
        env={
            "ECOHOST_GATEWAY_RPC_TIMEOUT": "3",
            "ECOHOST_ENGAGEMENT_OVERDUE_CHECK_INTERVAL": "1",
            **(env or {}),
        },
        log_format="json",
        log_level="WARNING",
    )
    with Stack(config, sink=lambda _name, _line: None) as stack, httpx.Client(timeout=30) as client:
        urls = {name: config.database_url(name) for name in SERVICES}
        yield RunningSystem(stack=stack, api=Api(stack.gateway_url, client), database_urls=urls)


_databases = itertools.count()


def pg_urls(pg: PostgresInfo, database: str) -> dict[str, str]:
    """One database, a schema per service: the production shape. The name gets a
    counter, so a fixture re-exported by another conftest gets its own database."""
    database = f"{database}_{next(_databases)}"
    pg.create_database(database)
    return {name: pg.async_url(database) for name in SERVICES}


def backend_system(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    env: dict[str, str] | None = None,
) -> Iterator[RunningSystem]:
    """The stack on the backend of `request.param` ("sqlite" or "postgresql"): the body
    of `system` (tests/conftest.py) and of a module's own stack when it needs one."""
    data_dir = tmp_path_factory.mktemp(f"stack-{request.param}")
    urls: dict[str, str] = {}
    if request.param == "postgresql":
        pg: PostgresInfo = request.getfixturevalue("postgres")
        urls = pg_urls(pg, f"e2e_{data_dir.name.replace('-', '_')}")
    yield from start_system(data_dir, urls, env)
