"""The ledger through the gateway over HTTP, on the running system (R1-trace, R8): an
engagement's events are proven against a signed checkpoint, and the proof exported from
GraphQL passes tools/verify_ledger.py run as a third party would run it."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from kit.ids import new_id
from tests.e2e.harness import RunningSystem, eventually, token

TOOL = Path(__file__).resolve().parents[2] / "tools" / "verify_ledger.py"
AGENCY = str(new_id())
ADMIN = token(f"agency:{AGENCY}", "agency_admin")

KEY = "{ ledgerPublicKey { origin verifierKey publicKey keyId algorithm } }"
CREATE_CHECKPOINT = """mutation { createCheckpoint {
  __typename
  ... on CreateCheckpointSuccess { checkpoint { number treeSize rootHash note } }
  ... on NotAuthorized { reason }
} }"""
TRACE = "query($e: ID!) { engagement(id: $e) { trace { seq eventId } } }"
ENTRY = """query($id: ID!, $size: Int) { ledgerEntry(eventId: $id) {
  index eventType engagementId chainSeq leaf leafHash
  inclusionProof(treeSize: $size) { leafIndex treeSize rootHash path checkpoint { note } }
} }"""
PROVENANCE = """query($e: ID!) { provenance(engagementId: $e) {
  treeSize checkpoint { note treeSize }
  steps { entry { index chainSeq eventType leaf } inclusionProof { treeSize path } }
} }"""
CONSISTENCY = """query($a: Int!, $b: Int!) { consistencyProof(from: $a, to: $b) {
  fromSize toSize fromRoot toRoot path } }"""


@pytest.fixture(scope="module")
def traced(system: RunningSystem) -> dict[str, Any]:
    """A unit and an engagement whose creation the archive has recorded."""
    api = system.api
    unit = api.create_unit(ADMIN, name="台账验证单位")["unit"]
    engagement = api.create_engagement(ADMIN, unit["id"])["engagement"]
    eventually(lambda: api.settled(ADMIN, engagement["id"]))
    [link] = api.gql(TRACE, {"e": engagement["id"]}, ADMIN)["data"]["engagement"]["trace"]
    unit_uuid = base64.b64decode(unit["id"]).decode().split(":", 1)[1]
    return {"e": engagement["id"], "event_id": link["eventId"], "unit_uuid": unit_uuid}


def checkpoint_now(system: RunningSystem) -> dict[str, Any]:
    made = system.api.gql(CREATE_CHECKPOINT, token=ADMIN)["data"]["createCheckpoint"]
    assert made["__typename"] == "CreateCheckpointSuccess", made
    checkpoint: dict[str, Any] = made["checkpoint"]
    return checkpoint


def test_R1_trace_a_proof_exported_from_the_api_passes_the_standalone_verifier(
    system: RunningSystem, traced: dict[str, Any], tmp_path: Path
):
    api = system.api
    checkpoint = checkpoint_now(system)
    key = api.gql(KEY)["data"]["ledgerPublicKey"]  # no login needed
    assert key["algorithm"] == "Ed25519"
    assert key["verifierKey"].startswith(key["origin"] + "+" + key["keyId"] + "+")
    latest = api.gql("{ latestCheckpoint { number note } }")["data"]["latestCheckpoint"]
    assert latest["number"] >= checkpoint["number"]

    body = api.gql(ENTRY, {"id": traced["event_id"], "size": checkpoint["treeSize"]}, ADMIN)
    entry = body["data"]["ledgerEntry"]
    assert entry["eventType"] == "engagement.created.v1"
    assert (entry["engagementId"], entry["chainSeq"]) == (traced["e"], 1)
    proof = entry["inclusionProof"]
    assert proof["treeSize"] == checkpoint["treeSize"]
    assert proof["rootHash"] == checkpoint["rootHash"]
    export = {
        "verifier_key": key["verifierKey"],
        "checkpoint": proof["checkpoint"]["note"],
        "leaf": entry["leaf"],
        "leaf_index": proof["leafIndex"],
        "tree_size": proof["treeSize"],
        "inclusion_path": proof["path"],
    }
    path = tmp_path / "export.json"
    path.write_text(json.dumps(export, ensure_ascii=False))
    result = subprocess.run(
        [sys.executable, str(TOOL), str(path)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"ok   entry {entry['index']} is included in the signed tree" in result.stdout


def test_R1_trace_provenance_and_consistency_through_the_api(
    system: RunningSystem, traced: dict[str, Any]
):
    api = system.api
    first = checkpoint_now(system)
    api.create_unit(ADMIN)  # the log grows
    second = eventually(lambda: (c := checkpoint_now(system))["treeSize"] > first["treeSize"] and c)
    view = api.gql(PROVENANCE, {"e": traced["e"]}, ADMIN)["data"]["provenance"]
    assert view["checkpoint"]["treeSize"] == view["treeSize"] >= second["treeSize"]
    [step] = view["steps"]
    assert (step["entry"]["chainSeq"], step["entry"]["eventType"]) == (1, "engagement.created.v1")
    assert step["inclusionProof"]["treeSize"] == view["treeSize"]

    sizes = {"a": first["treeSize"], "b": second["treeSize"]}
    proof = api.gql(CONSISTENCY, sizes, ADMIN)["data"]["consistencyProof"]
    assert (proof["fromRoot"], proof["toRoot"]) == (first["rootHash"], second["rootHash"])
    assert proof["path"]
