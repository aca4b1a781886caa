"""The global log in the database (R1-trace): every event is a leaf, the stored subtrees
give the RFC 6962 root at every size, and proofs served from them verify."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.archive import rpc as c
from contracts.core import ValidationFailed
from kit.db import Database
from kit.ids import new_id
from services.archive.ledger import commands, merkle, queries
from services.archive.ledger.models import LedgerLeaf, TraceEntry
from services.archive.ledger.repository import tree
from services.archive.ledger.signing import Signer, open_note, parse_checkpoint
from tests.archive.conftest import event, populate, record


async def leaves(db: Database) -> list[bytes]:
    async with db.transaction() as session:
        rows = await session.execute(select(LedgerLeaf).order_by(LedgerLeaf.leaf_index))
        return [r.leaf().canonical() for r in rows.scalars()]


async def test_R1_trace_every_event_is_a_leaf_and_joins_its_chain(db: Database, signer: Signer):
    events = await populate(db, signer)
    data = await leaves(db)
    assert len(data) == len(events)
    async with db.transaction() as session:
        chained = (await session.execute(select(func.count()).select_from(TraceEntry))).scalar()
        entries = (
            await queries.entries(
                session, c.LedgerEntriesRequest(event_ids=[e.event_id for e in events])
            )
        ).items
    assert chained == sum(1 for e in events if e.engagement_id)
    for i, (e, entry) in enumerate(zip(events, entries, strict=True)):
        assert entry is not None
        assert entry.index == i
        assert entry.event_id == e.event_id
        assert (entry.chain_seq is None) == (e.engagement_id is None)
        assert bytes.fromhex(entry.leaf_hash) == merkle.leaf_hash(entry.leaf.encode())


async def test_R1_trace_stored_subtrees_give_the_rfc6962_root_at_every_size(
    db: Database, signer: Signer
):
    await populate(db, signer, n=19)
    data = await leaves(db)
    async with db.transaction() as session:
        for size in range(len(data) + 1):
            assert await tree.root(session, size) == merkle.mth(data[:size])


async def test_R1_trace_proofs_from_the_database_verify(db: Database, signer: Signer):
    await populate(db, signer, n=13)
    data = await leaves(db)
    async with db.transaction() as session:
        for size in (1, 5, 8, 13):
            root = merkle.mth(data[:size])
            for index in range(size):
                path = await tree.inclusion_path(session, index, size)
                leaf = merkle.leaf_hash(data[index])
                assert merkle.verify_inclusion(leaf, index, size, path, root)
            for old in range(size + 1):
                proof = await tree.consistency_path(session, old, size)
                assert merkle.verify_consistency(old, size, proof, merkle.mth(data[:old]), root)
        with pytest.raises(ValidationFailed):
            await tree.checked_size(session, 14)


async def test_R1_trace_checkpoints_are_signed_notes_of_the_tree(db: Database, signer: Signer):
    await populate(db, signer, n=7)
    data = await leaves(db)
    async with db.transaction() as session:
        reply = await queries.list_checkpoints(session, c.CheckpointsRequest())
        proof = await queries.inclusion_proof(session, c.InclusionProofRequest(index=2))
    newest, oldest = reply.items
    assert (newest.tree_size, oldest.tree_size) == (7, 5)
    body = open_note(newest.note, signer.name, signer.public_key)
    assert body is not None
    signed = parse_checkpoint(body)
    assert (signed.size, signed.root) == (7, merkle.mth(data))
    assert proof.tree_size == 7
    assert proof.checkpoint == newest


async def test_R1_trace_provenance_lists_an_engagements_events_with_proofs(
    db: Database, signer: Signer
):
    engagement = new_id()
    await record(db, event(engagement, 0), event(None, 1), event(engagement, 2))
    async with db.transaction() as session:
        view = await queries.provenance(session, c.ProvenanceRequest(engagement_id=engagement))
    assert [s.entry.chain_seq for s in view.steps] == [1, 2]
    assert [s.entry.index for s in view.steps] == [0, 2]
    assert view.tree_size == 3
    assert view.checkpoint is None
    for step in view.steps:
        assert merkle.verify_inclusion(
            bytes.fromhex(step.entry.leaf_hash),
            step.entry.index,
            view.tree_size,
            [bytes.fromhex(p) for p in step.proof.path],
            bytes.fromhex(step.proof.root_hash),
        )


async def test_concurrent_appenders_keep_one_linear_log(db: Database):
    """Replicas appending at once (PostgreSQL: separate connections) queue on the append
    lock; each event gets its own position and the tree stays the definition's."""
    engagement = new_id()

    async def one(i: int) -> None:
        async with db.transaction() as session:
            await commands.record(session, event(engagement if i % 2 else None, i))

    await asyncio.gather(*(one(i) for i in range(16)))
    data = await leaves(db)
    assert len(data) == 16
    async with db.transaction() as session:
        assert await tree.root(session, 16) == merkle.mth(data)
        seqs = (await session.execute(select(TraceEntry.seq).order_by(TraceEntry.seq))).scalars()
        assert list(seqs) == list(range(1, 9))


async def test_the_periodic_checkpoint_skips_an_idle_ledger(db: Database, signer: Signer):
    await record(db, event(None, 0))
    async with db.transaction() as session:
        made = await commands.create_checkpoint_if_grown(session, signer)
        idle = await commands.create_checkpoint_if_grown(session, signer)
    assert made is not None
    assert made.tree_size == 1
    assert idle is None


class Boom(Exception):
    pass


async def assert_tree_is_the_definition(db: Database) -> None:
    data = await leaves(db)
    async with db.transaction() as session:
        for size in range(len(data) + 1):
            assert await tree.root(session, size) == merkle.mth(data[:size])


async def test_replicas_taking_turns_reload_a_stale_frontier(db: Database, database_url: str):
    """Each process caches the tree's frontier; a second engine on the same database is a
    second replica. Whenever the other one appended in between, the cached frontier no
    longer matches the last leaf and is reloaded, so the nodes written stay right."""
    other = Database(database_url, schema="archive")
    try:
        turns = [db, db, other, db, other, other, other, db, other, db, db, db, other]
        for i, replica in enumerate(turns):
            async with replica.transaction() as session:
                await commands.record(session, event(new_id() if i % 3 else None, i))
        async with other.transaction() as session:
            await commands.record_many(session, [event(None, 100 + i) for i in range(7)])
        await record(db, event(None, 200))
    finally:
        await other.dispose()
    assert len(await leaves(db)) == len(turns) + 8
    await assert_tree_is_the_definition(db)


async def test_a_rolled_back_append_does_not_stay_in_the_frontier(db: Database, database_url: str):
    """A batch rolled back after its leaves were written, then another replica appends
    leaves of which the last is byte-for-byte the rolled-back last leaf (same event, same
    position): the frontier cached before the rollback must not be used."""
    await record(db, event(None, 0), event(None, 1), event(None, 2))
    batch = [event(None, 10 + i) for i in range(5)]

    async def rolled_back() -> None:
        async with db.transaction() as session:
            await commands.record_many(session, batch)
            raise Boom

    with pytest.raises(Boom):
        await rolled_back()
    other = Database(database_url, schema="archive")
    try:
        async with other.transaction() as session:
            await commands.record_many(session, [event(None, 20 + i) for i in range(4)])
            await commands.record(session, batch[-1])
    finally:
        await other.dispose()
    await record(db, event(None, 30))

    async def rolled_back_savepoint(session: AsyncSession) -> None:
        async with session.begin_nested():
            await commands.record_many(session, [event(None, 41), event(None, 42)])
            raise Boom

    async with db.transaction() as session:  # a savepoint rolled back inside a transaction
        await commands.record(session, event(None, 40))
        with pytest.raises(Boom):
            await rolled_back_savepoint(session)
        await commands.record(session, event(None, 43))
    await record(db, event(None, 50))
    assert len(await leaves(db)) == 3 + 5 + 1 + 2 + 1
    await assert_tree_is_the_definition(db)


async def test_traces_are_each_engagements_chain_as_its_entries_read_one_by_one(
    db: Database, signer: Signer
):
    """The trace read encodes its reply from plain rows (msgspec): byte for byte what a
    view per ORM entry gives, per engagement in the order asked (twice the same:
    twice its chain; one never traced: an empty chain)."""
    events = await populate(db, signer)
    first, second = dict.fromkeys(e.engagement_id for e in events if e.engagement_id)
    asked = [second, new_id(), first, second]
    async with db.transaction() as session:
        reply = await queries.traces(session, c.TraceRequest(engagement_ids=asked))
        expected = [
            [
                c.TraceEntryView.model_validate(entry, from_attributes=True)
                for entry in await session.scalars(
                    select(TraceEntry)
                    .where(TraceEntry.engagement_id == engagement_id)
                    .order_by(TraceEntry.seq)
                )
            ]
            for engagement_id in asked
        ]
    assert [len(chain) for chain in expected] == [4, 0, 4, 4]
    assert reply.body == c.TraceReply(traces=expected).model_dump_json().encode()
