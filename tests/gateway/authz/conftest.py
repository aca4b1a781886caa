"""`enforcer`: the seed policy loaded from the file, from SQLite and from PostgreSQL,
once for the whole folder (the tests only read it)."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from gateway.authz.enforcer import build_enforcer
from tests.gateway.authz.policy import sqlite_url
from tests.infra.postgres import PostgresInfo

# A new database each time: under pytest-xdist (tests/parallel.py) a worker may run this
# folder's modules apart, between other groups, and so set the fixture up more than once.
_databases = itertools.count()


@pytest.fixture(scope="package", params=["file", "sqlite", "postgresql"])
async def enforcer(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    match request.param:
        case "file":
            return await build_enforcer(None)
        case "sqlite":
            return await build_enforcer(sqlite_url(tmp_path_factory.mktemp("authz") / "p.db"))
        case _:
            postgres: PostgresInfo = request.getfixturevalue("postgres")
            database = postgres.create_database(f"authz_policy_{next(_databases)}")
            return await build_enforcer(database)
