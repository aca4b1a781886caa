"""Tampering with the stored ledger (R1-trace, R8): every kind is detected by the audit
behind `ecohost ledger verify`, with the first bad entry named."""

from __future__ import annotations

import base64

from sqlalchemy import delete, insert, select, text, update

from kit.db import Database
from services.archive.ledger import merkle
from services.archive.ledger.audit import Report, verify_ledger
from services.archive.ledger.models import LedgerCheckpoint, LedgerLeaf, LedgerNode
from services.archive.ledger.signing import Signer, signer_from_seed
from tests.archive.conftest import ORIGIN, populate


async def audit(db: Database, signer: Signer) -> Report:
    async with db.transaction() as session:
        return await verify_ledger(session, signer.name, signer.public_key)


async def sql(db: Database, statement: str) -> None:
    async with db.transaction() as session:
        await session.execute(text(statement))


async def test_R1_trace_an_untouched_ledger_verifies(db: Database, signer: Signer):
    await populate(db, signer)
    report = await audit(db, signer)
    assert report.valid, report.problems
    assert (report.entries, report.checkpoints, report.chains) == (12, 2, 2)


async def test_R1_trace_a_changed_row_is_named(db: Database, signer: Signer):
    await populate(db, signer)
    await sql(db, "UPDATE ledger_leaf SET actor = 'mallory' WHERE leaf_index = 7")
    report = await audit(db, signer)
    assert report.first_bad_entry == 7
    assert "entry 7: content does not match its hash" in report.lines()


async def test_R1_trace_a_deleted_row_is_named(db: Database, signer: Signer):
    await populate(db, signer)
    await sql(db, "DELETE FROM ledger_leaf WHERE leaf_index = 4")
    report = await audit(db, signer)
    assert report.first_bad_entry == 4
    assert "entry 4: missing" in report.lines()


async def test_R1_trace_a_deleted_last_row_is_found_by_the_checkpoint(db: Database, signer: Signer):
    await populate(db, signer)
    await sql(db, "DELETE FROM ledger_leaf WHERE leaf_index = 11")
    report = await audit(db, signer)
    assert report.first_bad_entry == 11


async def test_R1_trace_reordered_rows_are_named(db: Database, signer: Signer):
    await populate(db, signer)
    await sql(db, "UPDATE ledger_leaf SET leaf_index = -1 WHERE leaf_index = 3")
    await sql(db, "UPDATE ledger_leaf SET leaf_index = 3 WHERE leaf_index = 8")
    await sql(db, "UPDATE ledger_leaf SET leaf_index = 8 WHERE leaf_index = -1")
    report = await audit(db, signer)
    assert report.first_bad_entry == 3


async def test_R1_trace_a_changed_chain_link_is_named(db: Database, signer: Signer):
    await populate(db, signer)
    await sql(db, "UPDATE trace_entry SET actor = 'mallory' WHERE seq = 2")
    problems = (await audit(db, signer)).lines()
    assert problems
    assert all(p.startswith("chain ") and p.endswith("first bad seq 2") for p in problems)


async def test_R1_trace_a_consistent_rewrite_is_caught_by_the_checkpoint(
    db: Database, signer: Signer
):
    """An attacker who rewrites an entry and recomputes its hash and every stored node
    still cannot produce the signed root: the entry is named within the checkpoint."""
    await populate(db, signer)
    async with db.transaction() as session:
        await session.execute(
            update(LedgerLeaf).where(LedgerLeaf.leaf_index == 7).values(actor="mallory")
        )
        rows = (await session.execute(select(LedgerLeaf).order_by(LedgerLeaf.leaf_index))).scalars()
        compact, nodes = merkle.CompactRange(), []
        for row in list(rows):
            hashed = row.leaf().hash()
            row.leaf_hash = hashed.hex()
            nodes += [
                {"level": n.level, "node_index": n.index, "hash": h.hex()}
                for n, h in compact.append(hashed)
                if n.level > 0
            ]
        await session.execute(delete(LedgerNode))
        await session.execute(insert(LedgerNode), nodes)
    report = await audit(db, signer)
    assert not report.valid
    assert report.first_bad_entry == 5  # after the last checkpoint that still holds (size 5)
    [problem] = report.lines()
    assert "root differs from the log: an entry in [5, 12) was rewritten" in problem


async def test_R1_trace_a_tampered_subtree_node_is_named(db: Database, signer: Signer):
    await populate(db, signer)
    await sql(
        db, "UPDATE ledger_node SET hash = '" + "00" * 32 + "' WHERE level = 2 AND node_index = 1"
    )
    problems = (await audit(db, signer)).lines()
    assert problems == [
        "node level 2 index 1: stored subtree over entries [4, 8) differs from the entries"
    ]


async def test_R1_trace_a_forged_checkpoint_is_detected(db: Database, signer: Signer):
    await populate(db, signer)
    async with db.transaction() as session:
        first = (
            (await session.execute(select(LedgerCheckpoint).order_by(LedgerCheckpoint.id)))
            .scalars()
            .first()
        )
        assert first is not None
        body, _, sig = first.note.rpartition(" ")
        raw = bytearray(base64.b64decode(sig))
        raw[10] ^= 0x01
        first.note = body + " " + base64.b64encode(bytes(raw)).decode() + "\n"
    problems = (await audit(db, signer)).lines()
    assert problems == ["checkpoint #1 (size 5): no valid signature by the key"]


async def test_R1_trace_a_checkpoint_with_a_moved_root_is_detected(db: Database, signer: Signer):
    await populate(db, signer)
    await sql(db, "UPDATE ledger_checkpoint SET tree_size = 6 WHERE tree_size = 5")
    problems = (await audit(db, signer)).lines()
    assert problems == ["checkpoint #1 (size 6): columns differ from the signed note"]


async def test_R1_trace_checkpoints_under_a_swapped_key_are_detected(db: Database, signer: Signer):
    await populate(db, signer)
    other = signer_from_seed(ORIGIN, base64.b64encode(b"\x08" * 32).decode())
    report = await audit(db, other)
    assert report.lines() == [
        "checkpoint #1 (size 5): no valid signature by the key",
        "checkpoint #2 (size 12): no valid signature by the key",
    ]
