"""Provenance reads its proofs in a fixed number of statements, however long the
engagement's history, and each proof is the one `inclusionProof` gives for that entry."""

from __future__ import annotations

from contracts.archive import rpc as c
from kit.db import Database
from kit.ids import new_id
from services.archive.ledger import merkle, queries
from services.archive.ledger.signing import Signer
from tests.archive.conftest import checkpoint, event, record
from tests.archive.test_catalogue_queries import counted


async def provenance_statements(db: Database, engagement) -> tuple[c.ProvenanceView, int]:
    async with db.transaction() as session:
        with counted(db) as statements:
            view = await queries.provenance(session, c.ProvenanceRequest(engagement_id=engagement))
    return view, len(statements)


async def test_R1_trace_provenance_costs_the_same_statements_for_3_or_30_entries(
    db: Database, signer: Signer
):
    short, long = new_id(), new_id()
    await record(db, *(event(short, i) for i in range(3)))
    await record(db, *(event(long if i % 4 else None, i) for i in range(40)))
    await checkpoint(db, signer)
    short_view, short_cost = await provenance_statements(db, short)
    long_view, long_cost = await provenance_statements(db, long)
    assert (len(short_view.steps), len(long_view.steps)) == (3, 30)
    assert short_cost == long_cost
    assert long_cost <= 6


async def test_R1_trace_provenance_proofs_equal_the_single_entry_proofs(
    db: Database, signer: Signer
):
    engagement = new_id()
    await record(db, *(event(engagement if i % 3 else None, i) for i in range(23)))
    await checkpoint(db, signer)
    async with db.transaction() as session:
        view = await queries.provenance(session, c.ProvenanceRequest(engagement_id=engagement))
        singles = [
            await queries.inclusion_proof(
                session, c.InclusionProofRequest(index=s.entry.index, tree_size=None)
            )
            for s in view.steps
        ]
    assert view.tree_size == 23
    assert view.checkpoint is not None
    assert view.checkpoint.tree_size == 23
    assert [s.entry.chain_seq for s in view.steps] == list(range(1, 16))
    assert [s.proof for s in view.steps] == singles
    for step in view.steps:
        assert merkle.verify_inclusion(
            bytes.fromhex(step.entry.leaf_hash),
            step.entry.index,
            view.tree_size,
            [bytes.fromhex(p) for p in step.proof.path],
            bytes.fromhex(step.proof.root_hash),
        )
