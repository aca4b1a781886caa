"""A service-like database for the notify library: the messaging tables plus the
opted-in `notify` kit branch, migrated exactly as a service's database is."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import MetaData

from kit.db import NAMING_CONVENTION, Database
from kit.messaging import MessagingTables, messaging_tables
from kit.migrate import upgrade
from kit.notify import add_notify_tables
from tests.kit.notify.http_receiver import Receiver, running_receiver

SERVICE = "notifytest"

_ENV = """
from sqlalchemy import MetaData
from kit.db import NAMING_CONVENTION
from kit.messaging import messaging_tables
from kit.migrate import run_migrations
from kit.notify import add_notify_tables

metadata = MetaData(naming_convention=NAMING_CONVENTION)
messaging_tables(metadata)
add_notify_tables(metadata)
run_migrations(metadata)
"""


def service_metadata() -> tuple[MetaData, MessagingTables]:
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    tables = messaging_tables(metadata)
    add_notify_tables(metadata)
    return metadata, tables


def make_migrations(root: Path) -> Path:
    """A service's migrations folder with no revisions of its own, opting into `notify`."""
    migrations = root / "migrations"
    (migrations / "versions").mkdir(parents=True, exist_ok=True)
    (migrations / "env.py").write_text(_ENV)
    (migrations / "kit_branches").write_text("# kit branches this service takes\nnotify\n")
    return migrations


@pytest.fixture
def migrations(tmp_path: Path) -> Path:
    return make_migrations(tmp_path)


@pytest.fixture
async def db(database_url: str, migrations: Path) -> AsyncIterator[Database]:
    database = Database(database_url, schema=SERVICE)
    await upgrade(database, migrations)
    yield database
    await database.dispose()


@pytest.fixture
def messaging() -> MessagingTables:
    return service_metadata()[1]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A real HTTP server on 127.0.0.1 recording what webhooks post to it."""
    with running_receiver() as r:
        yield r
