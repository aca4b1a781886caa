"""The archive catalogue over HTTP on the running system (R4.2.4.2, R4.2.4.3, R8): upload
through the signed URL, completion, catalogue, handover sealed by a checkpoint and
acknowledged by the unit, borrowing approved by the keeper with a time-limited URL and the
usage register, destruction with two witnesses, the confidentiality matrix, S3 in the
production shape, and `ecohost archive verify` catching swapped bytes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from kit.ids import new_id
from tests.archive import archive_api as a
from tests.archive import handover_api as h
from tests.e2e.harness import RunningSystem, eventually
from tests.engagement.workflow_client import new_engagement

ROOT = Path(__file__).resolve().parents[2]
AGENCY, OTHER_AGENCY, OTHER_UNIT = str(new_id()), str(new_id()), str(new_id())
ADMIN = a.tok(f"agency:{AGENCY}", "agency_admin", "admin")
PM = a.tok(f"agency:{AGENCY}", "project_manager", "pm")
KEEPER = a.tok(f"agency:{AGENCY}", "archive_keeper", "keeper")
ENGINEER = a.tok(f"agency:{AGENCY}", "engineer", "eng")  # clearance INTERNAL
DATA = "第一阶段托管服务成果报告 ".encode() * 5000


def engagement_of(system: RunningSystem) -> dict[str, Any]:
    """An engagement of AGENCY at the results stage (成果), ready to hand over."""
    api = system.api
    e = new_engagement(api, AGENCY)
    eventually(lambda: api.settled(ADMIN, e.id))
    h.to_results(e)
    return {
        "e": e.id,
        "client_admin": a.tok(f"unit:{e.unit}", "client_admin", "client-admin"),
        "viewer": a.tok(f"unit:{e.unit}", "client_viewer", "viewer", clearance=1),
    }


# Only results reports are handed over here; the other required kinds are waived.
WAIVED = [
    {"kind": kind, "reason": "本期服务内容不含此项"}
    for kind in ("IMPLEMENTATION_SUMMARY", "ENVIRONMENTAL_FILES", "TRAINING_PUBLICITY")
]


@pytest.fixture(scope="module")
def engagement(system: RunningSystem) -> dict[str, Any]:
    return engagement_of(system)


def test_R4_2_4_2_upload_handover_borrow_and_usage_over_http(
    system: RunningSystem, engagement: dict[str, Any]
):
    api, e = system.api, engagement["e"]
    item = a.upload(api, PM, e, DATA)
    assert (item["status"], item["size"], item["handedOver"]) == ("FILED", len(DATA), False)
    listed = api.gql(a.CATALOGUE, {"e": e}, KEEPER)["data"]["archiveCatalogue"]["items"]
    assert item["id"] in [i["id"] for i in listed]
    assert (
        api.gql(a.GET_ITEM, {"id": item["id"]}, engagement["viewer"])["data"]["archiveItem"] is None
    )

    handed = h.hand_over(api, PM, e, [item["id"]], waivers=WAIVED)
    assert handed["__typename"] == "WorkflowStepSuccess", handed
    handover = h.recorded(api, PM, e)
    assert handover["itemSha256"] == [item["sha256"]]
    assert handover["checkpointTreeSize"] > 0
    assert "\n\n— " in handover["checkpointNote"]  # a signed note
    ack_input = {"i": {"handoverId": handover["id"], "representative": "张三"}}
    refused = api.gql(a.ACKNOWLEDGE, ack_input, engagement["viewer"])["data"]
    assert refused["acknowledgeHandover"]["__typename"] == "NotAuthorized"
    ack = api.gql(a.ACKNOWLEDGE, ack_input, engagement["client_admin"])["data"]
    assert ack["acknowledgeHandover"]["handover"]["representative"] == "张三"

    # The unit reads and downloads what it received.
    seen = api.gql(a.GET_ITEM, {"id": item["id"]}, engagement["viewer"])["data"]["archiveItem"]
    assert seen["handedOver"] is True
    got = api.gql(a.DOWNLOAD, {"i": {"itemId": item["id"]}}, engagement["viewer"])
    assert httpx.get(got["data"]["issueDownloadUrl"]["url"], timeout=30).content == DATA

    # An engineer borrows: refused until the keeper approves, then a time-limited URL.
    early = api.gql(a.DOWNLOAD, {"i": {"itemId": item["id"]}}, ENGINEER)["data"]
    assert early["issueDownloadUrl"]["code"] == "archive_state_conflict"
    asked = api.gql(a.BORROW, {"i": {"itemId": item["id"], "purpose": "编写年度总结"}}, ENGINEER)
    borrow = asked["data"]["requestBorrow"]["borrowRequest"]
    decide = {"i": {"borrowRequestId": borrow["id"], "approve": True}}
    assert api.gql(a.DECIDE, decide, PM)["data"]["decideBorrow"]["__typename"] == "NotAuthorized"
    decided = api.gql(a.DECIDE, decide, KEEPER)["data"]["decideBorrow"]["borrowRequest"]
    assert (decided["status"], bool(decided["validUntil"])) == ("APPROVED", True)
    url = api.gql(a.DOWNLOAD, {"i": {"itemId": item["id"]}}, ENGINEER)["data"]
    assert httpx.get(url["issueDownloadUrl"]["url"], timeout=30).content == DATA

    usage = api.gql(a.USAGE, {"id": item["id"]}, KEEPER)["data"]["archiveItem"]["usage"]
    assert [u["actor"] for u in usage] == ["viewer", "eng"]
    assert usage[1]["borrowRequestId"] == borrow["id"]
    trace = "query($e: ID!) { engagement(id: $e) { trace { eventType } } }"
    eventually(
        lambda: (
            sum(
                t["eventType"] == "archive.action.v1"
                for t in api.gql(trace, {"e": e}, ADMIN)["data"]["engagement"]["trace"]
            )
            >= 6
        )  # filed, handed over, acknowledged, 2 URLs, borrow approved
    )


def test_R4_2_4_2_a_new_version_over_http_keeps_the_first_readable(
    system: RunningSystem, engagement: dict[str, Any]
):
    api, e = system.api, engagement["e"]
    v1 = a.upload(api, PM, e, DATA)
    revised = "第一阶段托管服务成果报告（修订） ".encode() * 4000
    ticket = a.request_version(api, PM, v1["id"], revised, documentDate="2028-01-15")
    assert ticket["__typename"] == "RequestUploadSuccess", ticket
    assert (ticket["item"]["status"], ticket["item"]["version"]) == ("PENDING", 2)
    assert ticket["item"]["seriesId"] == v1["id"]
    again = a.request_version(api, PM, v1["id"], b"x" * 10)
    assert again["__typename"] == "ArchiveStateConflict", again
    assert "正在上传" in again["message"]

    # Wrong bytes first: refused, only this version's bytes are removed.
    wrong = a.put_and_complete(api, PM, ticket, revised[:-1] + b"!")
    assert wrong["__typename"] == "UploadMismatch", wrong
    v2 = a.put_and_complete(api, PM, ticket, revised)
    assert v2["__typename"] == "ArchiveItemSuccess", v2
    assert (v2["item"]["status"], v2["item"]["title"]) == ("FILED", v1["title"])

    current = api.gql(a.SERIES, {"e": e, "all": False}, KEEPER)["data"]["archiveCatalogue"]
    ids = [i["id"] for i in current["items"]]
    assert v2["item"]["id"] in ids
    assert v1["id"] not in ids
    [line] = [i for i in current["items"] if i["seriesId"] == v1["id"]]
    assert [(v["id"], v["version"]) for v in line["versions"]] == [
        (v1["id"], 1),
        (v2["item"]["id"], 2),
    ]
    every = api.gql(a.SERIES, {"e": e, "all": True}, KEEPER)["data"]["archiveCatalogue"]
    assert [i["version"] for i in every["items"] if i["seriesId"] == v1["id"]] == [1, 2]

    # The first version is still there, byte for byte.
    for item, data in ((v1, DATA), (v2["item"], revised)):
        got = api.gql(a.DOWNLOAD, {"i": {"itemId": item["id"]}}, KEEPER)["data"]
        assert httpx.get(got["issueDownloadUrl"]["url"], timeout=30).content == data

    # Not the engineer's to version; another agency's keeper finds nothing.
    denied = a.request_version(api, ENGINEER, v1["id"], b"y" * 10)
    assert denied["__typename"] == "NotAuthorized"
    other_pm = a.tok(f"agency:{OTHER_AGENCY}", "project_manager", "pm2")
    missing = a.request_version(api, other_pm, v1["id"], b"y" * 10)
    assert missing["__typename"] == "ArchiveItemNotFound", missing
    bad = a.request_version(api, PM, v1["id"], b"y" * 10, sha256="not a hash")
    assert bad["__typename"] == "ValidationError", bad


def test_R8_destruction_with_two_witnesses_leaves_a_tombstone(
    system: RunningSystem, engagement: dict[str, Any]
):
    api = system.api
    item = a.upload(api, PM, engagement["e"], b"old minutes" * 50, document_date="2001-05-01")
    url = api.gql(a.DOWNLOAD, {"i": {"itemId": item["id"]}}, KEEPER)["data"]["issueDownloadUrl"]
    asked = api.gql(a.DESTROY_REQUEST, {"i": {"itemId": item["id"], "appraisal": "保管期满"}}, PM)
    destruction = asked["data"]["requestDestruction"]["destruction"]
    approve = {"i": {"destructionId": destruction["id"], "witnesses": ["王五", "赵六"]}}
    assert api.gql(a.DESTROY_APPROVE, approve, PM)["data"]["approveDestruction"]["code"] == (
        "not_authorized"
    )
    done = api.gql(a.DESTROY_APPROVE, approve, KEEPER)["data"]["approveDestruction"]
    assert done["destruction"]["witnesses"] == ["王五", "赵六"]
    tomb = api.gql(a.GET_ITEM, {"id": item["id"]}, KEEPER)["data"]["archiveItem"]
    assert (tomb["status"], tomb["sha256"]) == ("DESTROYED", item["sha256"])
    assert httpx.get(url["url"], timeout=30).status_code == 404  # the bytes are gone


# --- the confidentiality matrix: roles × tenants × levels × operations -----------------

CALLERS = {
    "anonymous": None,
    "keeper": KEEPER,
    "engineer (internal)": ENGINEER,
    "keeper of another agency": a.tok(f"agency:{OTHER_AGENCY}", "archive_keeper", "k2"),
    "viewer of another unit": a.tok(f"unit:{OTHER_UNIT}", "client_viewer", "v2", clearance=3),
    "regulator": a.tok("region:44", "regulator", "reg", clearance=3),
}
# Who may read (and download or borrow) an item of each level, here.
SEES = {
    "keeper": {"PUBLIC", "INTERNAL", "SECRET", "TOP_SECRET"},
    "engineer (internal)": {"PUBLIC", "INTERNAL"},
    "viewer": {"PUBLIC", "INTERNAL"},
    "client_admin": {"PUBLIC", "INTERNAL", "SECRET"},
}
LEVELS = ("PUBLIC", "INTERNAL", "SECRET", "TOP_SECRET")


@pytest.fixture(scope="module")
def leveled(system: RunningSystem) -> dict[str, Any]:
    """An engagement of its own with one handed-over item per level."""
    engagement = engagement_of(system)
    admin = a.tok(f"agency:{AGENCY}", "agency_admin", "admin-3", clearance=3)
    items = {
        lv: a.upload(system.api, admin, engagement["e"], lv.encode() * 10, level=lv)
        for lv in LEVELS
    }
    ids = [i["id"] for i in items.values()]
    handed = h.hand_over(system.api, admin, engagement["e"], ids, waivers=WAIVED)
    assert handed["__typename"] == "WorkflowStepSuccess", handed
    h.recorded(system.api, admin, engagement["e"])
    return {"engagement": engagement, "items": items}


@pytest.mark.parametrize("level", LEVELS)
async def test_R4_2_4_3_confidentiality_matrix(
    system: RunningSystem, leveled: dict[str, Any], level: str
):
    api, item, engagement = system.api, leveled["items"][level], leveled["engagement"]
    callers = {
        **CALLERS,
        "viewer": engagement["viewer"],
        "client_admin": engagement["client_admin"],
    }
    for name, token in callers.items():
        allowed = level in SEES.get(name, set())
        before = await system.count("archive", "SELECT count(*) FROM usage_record")
        borrows = await system.count("archive", "SELECT count(*) FROM borrow_request")
        got = api.gql(a.GET_ITEM, {"id": item["id"]}, token)["data"]["archiveItem"]
        listed = api.gql(a.CATALOGUE, {"e": engagement["e"]}, token)["data"]["archiveCatalogue"]
        url = api.gql(a.DOWNLOAD, {"i": {"itemId": item["id"]}}, token)["data"]["issueDownloadUrl"]
        borrow = {"i": {"itemId": item["id"], "purpose": "matrix"}}
        asked = api.gql(a.BORROW, borrow, token)["data"]["requestBorrow"]
        assert (got is not None) == allowed, (name, level)
        assert (item["id"] in [i["id"] for i in listed["items"]]) == allowed, (name, level)
        if not allowed:
            assert "url" not in url, (name, level)
            assert "borrowRequest" not in asked, (name, level)
            assert url["__typename"] in ("ArchiveItemNotFound", "NotAuthorized"), (name, url)
            assert await system.count("archive", "SELECT count(*) FROM usage_record") == before
            assert await system.count("archive", "SELECT count(*) FROM borrow_request") == borrows


def test_R8_archive_verify_names_an_object_whose_bytes_were_swapped(
    system: RunningSystem, engagement: dict[str, Any]
):
    item = a.upload(system.api, PM, engagement["e"], b"A" * 4096)

    def verify() -> subprocess.CompletedProcess[str]:
        env = {
            **os.environ,
            "ECOHOST_ARCHIVE_DATABASE_URL": system.database_urls["archive"],
            "ECOHOST_ARCHIVE_STORAGE_LOCAL_ROOT": str(system.stack.data_dir / "objects"),
            "ECOHOST_ARCHIVE_LOG_LEVEL": "WARNING",
        }
        return subprocess.run(
            [sys.executable, "-m", "cli.main", "archive", "verify"],
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
            check=False,
        )

    clean = verify()
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "MiB" in clean.stderr  # the progress bar
    root = (
        system.stack.data_dir / "objects" / a.raw_id(engagement["e"]) / a.raw_id(item["id"]) / "1"
    )
    [blob] = root.glob("~*.blob")
    blob.write_bytes(b"B" * 4096)  # same size, other bytes: only the hash can tell
    swapped = verify()
    assert swapped.returncode == 1
    assert a.raw_id(item["id"]) in swapped.stdout
    assert "SHA-256" in swapped.stdout


def test_R4_2_4_2_upload_and_download_through_s3(production_system: RunningSystem):
    engagement = engagement_of(production_system)
    api = production_system.api
    item = a.upload(api, PM, engagement["e"], DATA)
    got = api.gql(a.DOWNLOAD, {"i": {"itemId": item["id"]}}, KEEPER)["data"]["issueDownloadUrl"]
    assert "X-Amz-Signature" in got["url"]
    assert httpx.get(got["url"], timeout=30).content == DATA
