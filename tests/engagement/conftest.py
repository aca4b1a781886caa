"""The engagement paths run on the same stacks as the other end-to-end tests; `db` is the
engagement database alone, migrated, for the tests that call commands directly."""

from collections.abc import AsyncIterator

import pytest

from kit.db import Database
from services.engagement import app
from tests.infra.databases import migrated_database


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    async with migrated_database(database_url, "engagement", app.MIGRATIONS) as database:
        yield database
