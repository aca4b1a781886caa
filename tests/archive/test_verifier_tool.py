"""tools/verify_ledger.py, the standalone verifier (R1-trace): it accepts a proof the
ledger exported and rejects one with any part changed. Run as a subprocess, as a third
party would run it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from cli.ledger import export_bundle
from contracts.archive import rpc as c
from kit.db import Database
from services.archive.ledger import queries
from services.archive.ledger.signing import Signer
from tests.archive.conftest import checkpoint, event, populate, record

TOOL = Path(__file__).resolve().parents[2] / "tools" / "verify_ledger.py"


def run_tool(tmp_path: Path, export: dict[str, Any]) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "export.json"
    path.write_text(json.dumps(export, ensure_ascii=False))
    return subprocess.run(
        [sys.executable, str(TOOL), str(path)], capture_output=True, text=True, check=False
    )


async def exported(db: Database, signer: Signer, index: int) -> dict[str, Any]:
    async with db.transaction() as session:
        proof = await queries.inclusion_proof(session, c.InclusionProofRequest(index=index))
        [entry] = (await queries.entries(session, c.LedgerEntriesRequest(indexes=[index]))).items
        old = (await queries.list_checkpoints(session, c.CheckpointsRequest())).items[-1]
        consistency = await queries.consistency_proof(
            session, c.ConsistencyProofRequest(from_size=old.tree_size, to_size=proof.tree_size)
        )
    assert entry is not None
    bundle = export_bundle(signer.name, signer.public_key, entry, proof)
    bundle["consistency"] = {"checkpoint": old.note, "path": consistency.path}
    return bundle


async def test_R1_trace_the_standalone_verifier_accepts_an_exported_proof(
    db: Database, signer: Signer, tmp_path: Path
):
    await populate(db, signer, n=12)
    for index in (0, 6, 11):
        result = run_tool(tmp_path, await exported(db, signer, index))
        assert result.returncode == 0, result.stdout + result.stderr
        assert f"ok   entry {index} is included in the signed tree" in result.stdout
        assert "ok   tree of size 5 is a prefix of size 12" in result.stdout


def _flip_last(hex_digest: str) -> str:
    """The digest with its last hex digit changed (always a different value)."""
    return hex_digest[:-1] + ("1" if hex_digest[-1] == "0" else "0")


async def test_R1_trace_the_standalone_verifier_rejects_any_changed_part(
    db: Database, signer: Signer, tmp_path: Path
):
    await populate(db, signer, n=12)
    good = await exported(db, signer, 6)
    changes = {
        "leaf": good["leaf"].replace('"actor":"alice"', '"actor":"mallory"'),
        "leaf_index": 7,
        "inclusion_path": [_flip_last(good["inclusion_path"][0]), *good["inclusion_path"][1:]],
        "checkpoint": good["checkpoint"].replace("\n12\n", "\n13\n"),
        "verifier_key": good["verifier_key"][:-6] + "AAAAA=",
    }
    for key, value in changes.items():
        assert value != good[key]
        result = run_tool(tmp_path, {**good, key: value})
        assert result.returncode == 1, (key, result.stdout)
        assert "FAIL" in result.stdout


async def test_R1_trace_proofs_against_a_later_checkpoint_still_verify(
    db: Database, signer: Signer, tmp_path: Path
):
    """An entry proven once stays provable as the log grows: the proof moves to the newest
    checkpoint and the older one is shown to be its prefix."""
    await populate(db, signer, n=6)
    await record(db, *(event(None, i) for i in range(30)))
    await checkpoint(db, signer)
    result = run_tool(tmp_path, await exported(db, signer, 2))
    assert result.returncode == 0, result.stdout
    assert "size 36" in result.stdout
