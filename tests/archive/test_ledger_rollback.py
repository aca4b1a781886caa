"""Rollback detection (docs/operations.md, "Restore"): a database restored from before
the last published checkpoint is consistent in itself, so `ecohost ledger verify`
alone passes it; given that checkpoint (`--checkpoint FILE`), it fails and says so."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import text

from kit.db import Database
from services.archive.ledger.signing import Signer
from tests.archive.conftest import populate
from tests.archive.test_ledger_cli import ecohost
from tests.archive.test_tamper import sql


async def _note(db: Database, size: int) -> str:
    async with db.transaction() as session:
        query = text("SELECT note FROM ledger_checkpoint WHERE tree_size = :n")
        note: str = (await session.execute(query, {"n": size})).scalar_one()
        return note


async def _roll_back_to(db: Database, size: int) -> None:
    """The database as a dump taken when the ledger had `size` entries restores it."""
    await sql(db, f"DELETE FROM ledger_checkpoint WHERE tree_size > {size}")  # noqa: S608
    await sql(db, f"DELETE FROM ledger_leaf WHERE leaf_index >= {size}")  # noqa: S608
    await sql(
        db, "DELETE FROM trace_entry WHERE event_id NOT IN (SELECT event_id FROM ledger_leaf)"
    )
    for level in range(1, 5):  # stored subtrees reaching past the old end
        end = f"(node_index + 1) * {2**level}"
        await sql(db, f"DELETE FROM ledger_node WHERE level = {level} AND {end} > {size}")  # noqa: S608


async def test_R1_trace_a_restored_older_database_fails_against_the_last_published_checkpoint(
    db: Database, signer: Signer, tmp_path: Path
):
    await populate(db, signer)  # checkpoints at sizes 5 and 12
    published, older = tmp_path / "published.note", tmp_path / "older.note"
    published.write_text(await _note(db, 12))
    older.write_text(await _note(db, 5))
    assert ecohost(db, signer, "verify", "--checkpoint", str(published)).returncode == 0

    await _roll_back_to(db, 5)
    alone = ecohost(db, signer, "verify")
    assert alone.returncode == 0, alone.stdout  # consistent in itself: undetectable alone
    assert json.loads(alone.stdout)["entries"] == 5

    detected = ecohost(
        db, signer, "verify", "--checkpoint", str(older), "--checkpoint", str(published)
    )
    assert detected.returncode == 1
    report = json.loads(detected.stdout)
    assert report["valid"] is False
    assert report["problems"] == [
        "checkpoint kept (size 12): the log has only 5 entries "
        "(a database restored from before this checkpoint?)"
    ]
    assert report["first_bad_entry"] == 5


async def test_R1_trace_a_kept_checkpoint_under_another_key_is_refused(
    db: Database, signer: Signer, tmp_path: Path
):
    await populate(db, signer)
    forged = tmp_path / "forged.note"
    forged.write_text((await _note(db, 12)).replace("— ", "— x", 1) + "tampered\n")
    result = ecohost(db, signer, "verify", "--checkpoint", str(forged))
    assert result.returncode == 1
    assert json.loads(result.stdout)["problems"] == [
        "checkpoint kept: not a checkpoint signed by the key"
    ]
