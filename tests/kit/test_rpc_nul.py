"""A NUL character (U+0000) in a request's text is a validation error naming the field,
on both backends — not a database failure on PostgreSQL (an INTERNAL error the fuzzer
found: `agencyResults(periodLabel: "\\u0000")`) and a stored NUL on SQLite."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from nats.aio.client import Client
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from contracts.core import Contract, Rpc, ValidationFailed
from kit.ids import new_id
from kit.rpc import CallContext, RpcClient, RpcServer

CTX = CallContext(actor="alice", tenant="agency:1", correlation_id="req-nul")


class Note(Contract):
    text: str


class Notes(Contract):
    notes: list[Note]


class Saved(Contract):
    count: int


@pytest.fixture
async def notes_db(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(database_url)
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE note (body VARCHAR(200) NOT NULL)"))
    yield engine
    await engine.dispose()


@pytest.fixture
async def save_notes(
    nc: Client, notes_db: AsyncEngine
) -> AsyncIterator[tuple[Rpc[Notes, Saved], RpcClient]]:
    """A service that writes each note's text to a real table."""
    service = f"notes{new_id().hex[:8]}"
    rpc = Rpc(service, "save", Notes, Saved)

    async def handle(req: Notes, ctx: CallContext) -> Saved:
        async with notes_db.begin() as conn:
            for note in req.notes:
                await conn.execute(text("INSERT INTO note (body) VALUES (:b)"), {"b": note.text})
        return Saved(count=len(req.notes))

    server = RpcServer(nc, service=service, version="1.0.0", description="test")
    server.add(rpc, handle)
    await server.start()
    yield rpc, RpcClient(nc, timeout=5.0)
    await server.stop()


async def rows(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as conn:
        return [r[0] for r in await conn.execute(text("SELECT body FROM note ORDER BY body"))]


async def test_a_nul_in_a_requests_text_is_refused_naming_the_field(save_notes, notes_db):
    rpc, client = save_notes
    request = Notes(notes=[Note(text="第一条"), Note(text="绿源\x00化工")])
    with pytest.raises(ValidationFailed) as refused:
        await client.call(rpc, request, CTX)
    assert (refused.value.field, refused.value.message) == (
        "notes.1.text",
        "text may not contain the NUL character (U+0000)",
    )
    assert await rows(notes_db) == []  # nothing written, the first note neither


async def test_an_escaped_looking_text_without_a_nul_is_accepted(save_notes, notes_db):
    rpc, client = save_notes
    written = ["C:\\u0000", "\\\\u0000", "u0000"]  # backslashes and letters, no U+0000
    saved = await client.call(rpc, Notes(notes=[Note(text=t) for t in written]), CTX)
    assert saved.count == 3
    assert await rows(notes_db) == sorted(written)
