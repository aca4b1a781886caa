"""`ecohost ledger verify|proof|consistency` against the archive's database, as an
auditor runs them (R1-trace, R8): a clean ledger passes, a tampered one fails with the
first bad entry named, and an exported proof passes the standalone verifier."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

from kit.db import Database
from services.archive.ledger.signing import Signer, signer_from_seed
from tests.archive.conftest import populate
from tests.archive.test_tamper import sql
from tests.archive.test_verifier_tool import run_tool

ROOT = Path(__file__).resolve().parents[2]


def ecohost(db: Database, signer: Signer, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "ECOHOST_ARCHIVE_DATABASE_URL": db.url,
        "ECOHOST_ARCHIVE_LEDGER_ORIGIN": signer.name,
        "ECOHOST_ARCHIVE_LEDGER_SIGNING_KEY": base64.b64encode(b"\x07" * 32).decode(),
        "ECOHOST_ARCHIVE_LOG_LEVEL": "WARNING",
    }
    return subprocess.run(
        [sys.executable, "-m", "cli.main", "ledger", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
    )


async def test_R1_trace_ledger_verify_passes_then_names_the_first_bad_entry(
    db: Database, signer: Signer
):
    await populate(db, signer)
    clean = ecohost(db, signer, "verify")
    assert clean.returncode == 0, clean.stderr
    assert json.loads(clean.stdout)["valid"] is True

    await sql(db, "UPDATE ledger_leaf SET tenant = 'agency:someone-else' WHERE leaf_index = 9")
    tampered = ecohost(db, signer, "verify")
    assert tampered.returncode == 1
    report = json.loads(tampered.stdout)
    assert report["first_bad_entry"] == 9
    assert report["problems"] == ["entry 9: content does not match its hash"]


async def test_R1_trace_ledger_verify_refuses_checkpoints_under_another_key(
    db: Database, signer: Signer
):
    await populate(db, signer)
    other = signer_from_seed(signer.name, base64.b64encode(b"\x08" * 32).decode())
    result = ecohost(db, signer, "verify", "--verifier-key", other.verifier_key)
    assert result.returncode == 1
    assert json.loads(result.stdout)["problems"] == [
        "checkpoint #1 (size 5): no valid signature by the key",
        "checkpoint #2 (size 12): no valid signature by the key",
    ]


async def test_R1_trace_ledger_proof_exports_what_the_standalone_verifier_accepts(
    db: Database, signer: Signer, tmp_path: Path
):
    await populate(db, signer)
    out = tmp_path / "proof.json"
    exported = ecohost(db, signer, "proof", "--index", "3", "--out", str(out))
    assert exported.returncode == 0, exported.stderr
    checked = run_tool(tmp_path, json.loads(out.read_text()))
    assert checked.returncode == 0, checked.stdout
    consistency = json.loads(ecohost(db, signer, "consistency", "5", "12").stdout)
    assert (consistency["from_size"], consistency["to_size"]) == (5, 12)
    assert consistency["path"]
