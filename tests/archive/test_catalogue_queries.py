"""How many statements a catalogue read costs: reading a page of items is one query,
whatever the page's length."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from contracts.archive import rpc_catalogue as c
from kit.db import Database
from kit.ids import new_id
from services.archive.catalogue import queries
from services.archive.catalogue.deps import CatalogueDeps
from tests.archive.catalogue_steps import AGENCY_CALLER, filed


@contextmanager
def counted(db: Database) -> Iterator[list[str]]:
    """The SQL statements the engine sends while the block runs."""
    statements: list[str] = []

    def before_cursor_execute(*args: Any) -> None:
        statements.append(args[2])

    engine = db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", before_cursor_execute)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before_cursor_execute)


async def test_a_page_of_items_is_read_in_one_query(db: Database, archive: CatalogueDeps):
    engagement = new_id()
    items = [await filed(db, archive, engagement, title=f"成果 {n}") for n in range(5)]
    ids = [i.id for i in items] + [new_id()]
    async with db.transaction() as s:
        with counted(db) as statements:
            reply = await queries.get_items(s, c.GetItemsRequest(caller=AGENCY_CALLER, ids=ids))
    assert [i.id if i else None for i in reply.items] == [*ids[:5], None]
    assert len(statements) == 1
