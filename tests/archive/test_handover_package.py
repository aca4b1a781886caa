"""The handover package (移交包, R4.2.4.2) from a running system: the handover is one act
(the workflow's step, recorded by the archive with a signed checkpoint, acknowledged by
the unit), and the unit downloads one ZIP that its bundled verifier checks offline — and
that fails, naming what changed, after one byte of a file, the manifest or a proof is
tampered with."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import httpx

from kit.ids import new_id
from tests.archive import archive_api as a
from tests.archive import handover_api as h
from tests.e2e.harness import RunningSystem, eventually
from tests.engagement.workflow_client import new_engagement


def verify(root: Path) -> subprocess.CompletedProcess[str]:
    """The bundled verifier as the unit runs it: its own interpreter, in the package."""
    return subprocess.run(
        [sys.executable, "verify_package.py"],
        cwd=root,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        check=False,
    )


def package(system: RunningSystem, token: str, handover: str) -> dict[str, Any]:
    def issued() -> dict[str, Any] | None:
        body = system.api.gql(h.PACKAGE, {"i": {"handoverId": handover}}, token)
        result: dict[str, Any] = body["data"]["issueHandoverPackageUrl"]
        # The ledger records the handover's own action a moment after the archive does.
        return None if result.get("code") == "archive_state_conflict" else result

    result: dict[str, Any] = eventually(issued)
    return result


def test_R4_2_4_2_the_unit_verifies_the_handover_package_offline_and_tampering_fails(
    system: RunningSystem, tmp_path: Path
):
    api, agency = system.api, str(new_id())
    e = new_engagement(api, agency)
    pm = a.tok(f"agency:{agency}", "project_manager", "pm", clearance=3)
    h.to_results(e)
    summary, results = h.deliverables(api, pm, e.id)
    ids = [summary["id"], results["id"]]

    # Required kinds neither handed over nor waived: refused, nothing changes.
    refused = h.hand_over(api, pm, e.id, ids, waivers=[])
    assert refused["__typename"] == "HandoverIncomplete"
    assert refused["missing"] == h.OTHER_KINDS
    assert refused["message"].startswith("缺少移交成果：环境管理档案、宣传培训材料")
    assert e.state()["stage"] == "RESULTS"

    done = h.hand_over(api, pm, e.id, ids)
    assert done["__typename"] == "WorkflowStepSuccess", done
    assert done["engagement"]["stage"] == "EVALUATION"
    assert done["engagement"]["deliverables"] == [a.raw_id(i) for i in ids]
    handover = h.recorded(api, pm, e.id)
    assert handover["itemSha256"] == [summary["sha256"], results["sha256"]]
    assert "\n\n— " in handover["checkpointNote"]
    client = a.tok(f"unit:{e.unit}", "client_admin", "client", clearance=1)
    ack = api.gql(
        a.ACKNOWLEDGE, {"i": {"handoverId": handover["id"], "representative": "张三"}}, client
    )
    assert ack["data"]["acknowledgeHandover"]["handover"]["representative"] == "张三"

    # Not a party, or not cleared for every item: not found, no partial package.
    other = a.tok(f"agency:{new_id()}", "project_manager", "other", clearance=3)
    public_only = a.tok(f"unit:{e.unit}", "client_viewer", "viewer", clearance=0)
    for outsider in (other, public_only):
        body = api.gql(h.PACKAGE, {"i": {"handoverId": handover["id"]}}, outsider)
        assert body["data"]["issueHandoverPackageUrl"]["__typename"] == "ArchiveRecordNotFound"

    issued = package(system, client, handover["id"])
    assert issued["__typename"] == "HandoverPackageSuccess", issued
    response = httpx.get(issued["url"], timeout=30)
    assert response.status_code == 200
    assert response.headers["content-disposition"].startswith("attachment;")
    assert len(response.content) == issued["size"]
    with zipfile.ZipFile(io.BytesIO(response.content)) as zf:
        zf.extractall(tmp_path)
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert [(f["file"], f["kind"], f["version"], f["size"], f["sha256"], f["confidentiality"])
            for f in manifest["files"]] == [
        ("files/01-实施总结报告.pdf", "implementation_summary", 1, summary["size"],
         summary["sha256"], "INTERNAL"),
        ("files/02-成果报告.pdf", "results_report", 1, results["size"], results["sha256"],
         "INTERNAL"),
    ]  # fmt: skip
    assert [w["kind"] for w in manifest["waivers"]] == ["environmental_files", "training_publicity"]
    assert manifest["representative"] == "张三"
    assert (tmp_path / "说明.txt").read_text(encoding="utf-8").startswith("环保管家移交包 说明")

    clean = verify(tmp_path)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "结论：核验通过 / RESULT: all checks passed" in clean.stdout
    assert "FAIL" not in clean.stdout
    key = (tmp_path / "ledger" / "public-key.txt").read_text(encoding="utf-8").strip()
    assert f"公钥 public key: {key}" in clean.stdout

    # One byte of one file flipped: the verifier names the file.
    report = tmp_path / "files" / "02-成果报告.pdf"
    original = report.read_bytes()
    report.write_bytes(bytes([original[0] ^ 0x01]) + original[1:])
    flipped = verify(tmp_path)
    assert flipped.returncode == 1
    assert "失败 FAIL 文件 files/02-成果报告.pdf 与清单不符" in flipped.stdout
    report.write_bytes(original)

    # The manifest made to agree with changed bytes: the signed filing record disagrees.
    text = (tmp_path / "manifest.json").read_text(encoding="utf-8")
    (tmp_path / "manifest.json").write_text(
        text.replace(results["sha256"], "0" * 64), encoding="utf-8"
    )
    forged = verify(tmp_path)
    assert forged.returncode == 1
    assert "files/02-成果报告.pdf: SHA-256 is not the one filed in the ledger" in forged.stdout
    (tmp_path / "manifest.json").write_text(text, encoding="utf-8")

    # A proof changed: the entry no longer folds to the signed root.
    proofs_file = tmp_path / "ledger" / "proofs.json"
    proofs = json.loads(proofs_file.read_text(encoding="utf-8"))
    entry = next(p for p in proofs["entries"] if p["inclusion_path"])
    first = entry["inclusion_path"][0]
    entry["inclusion_path"][0] = ("1" if first[0] != "1" else "2") + first[1:]
    proofs_file.write_text(json.dumps(proofs), encoding="utf-8")
    broken = verify(tmp_path)
    assert broken.returncode == 1
    assert f"失败：[{entry['leaf_index']}]" in broken.stdout
