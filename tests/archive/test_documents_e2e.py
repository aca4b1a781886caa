"""Generated documents on the running system (R4.2.3.2, R4.2.4.2):
a request answered at once with its job, the job polled to DONE, the document
filed as version 1 of its series with its category, level, retention, the SHA-256 of its
bytes and the ledger state it was generated from; regenerating files version 2; missing
data and unknown formats or templates refused with nothing queued; a job whose worker
died is taken over and filed once; the authorization matrix of every new operation."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import httpx
import pytest

from gateway.ids import encode_global_id
from kit.ids import new_id
from tests.archive import archive_api as a
from tests.archive import documents_api as d
from tests.e2e.harness import RunningSystem, eventually

AGENCY, OTHER_AGENCY = str(new_id()), str(new_id())
ADMIN = a.tok(f"agency:{AGENCY}", "agency_admin", "admin")
PM = a.tok(f"agency:{AGENCY}", "project_manager", "pm")
ENGINEER = a.tok(f"agency:{AGENCY}", "engineer", "eng")
OTHER_PM = a.tok(f"agency:{OTHER_AGENCY}", "project_manager", "other-pm")


def engagement_of(system: RunningSystem) -> dict[str, Any]:
    api = system.api
    unit = api.create_unit(ADMIN)["unit"]
    engagement = api.create_engagement(ADMIN, unit["id"])["engagement"]
    eventually(lambda: api.settled(ADMIN, engagement["id"]))
    unit_id = a.raw_id(unit["id"])
    return {
        "e": engagement["id"],
        "raw": a.raw_id(engagement["id"]),
        "viewer": a.tok(f"unit:{unit_id}", "client_viewer", "viewer", clearance=1),
    }


@pytest.fixture(scope="module")
def engagement(system: RunningSystem) -> dict[str, Any]:
    return engagement_of(system)


def meta(item: dict[str, Any]) -> dict[str, str]:
    return {m["name"]: m["value"] for m in item["metadata"]}


def download(api: Any, item_id: str) -> bytes:
    got = api.gql(a.DOWNLOAD, {"i": {"itemId": item_id}}, PM)["data"]["issueDownloadUrl"]
    return httpx.get(got["url"], timeout=30).content


async def job_rows(system: RunningSystem, engagement_id: str) -> int:
    sql = "SELECT count(*) FROM document_job WHERE engagement_id = :e"
    return int(await system.count("archive", sql, e=_db_uuid(system, engagement_id)))


def _db_uuid(system: RunningSystem, value: str) -> str:
    # SQLite stores UUIDs as 32 hex digits, PostgreSQL as its uuid type.
    return value.replace("-", "") if system.database_urls["archive"].startswith("sqlite") else value


async def test_R4_2_4_2_generated_document_is_filed_as_version_1_then_2(
    system: RunningSystem, engagement: dict[str, Any]
):
    api, e = system.api, engagement["e"]
    queued = d.generate(api, PM, e)
    assert queued["__typename"] == "DocumentJobSuccess", queued
    job = queued["job"]
    assert (job["status"], job["progress"], job["attempts"], job["itemId"]) == (
        "QUEUED",
        0,
        0,
        None,
    )
    assert (job["kind"], job["format"], job["template"]) == ("STAGE_REPORT", "PDF", None)

    done = d.finished(api, PM, job["id"])
    assert (done["status"], done["progress"], done["attempts"]) == ("DONE", 100, 1), done
    assert (done["errorCode"], done["errorMessage"]) == (None, None)

    [document] = d.documents(api, ENGINEER, e)
    [first] = document["versions"]
    assert document["kind"] == "STAGE_REPORT"
    assert first["id"] == done["itemId"] == document["latest"]["id"]
    assert (first["version"], first["seriesId"]) == (1, first["id"])
    assert (first["category"], first["status"]) == ("STAGE_REPORT", "FILED")
    assert (first["confidentiality"], first["retention"]) == ("INTERNAL", "YEARS_10")
    assert first["contentType"] == "application/pdf"
    assert first["title"] == "阶段性工作报告（2027-01-01 至 2027-03-31）"
    source = meta(first)
    assert source["document-job"] == a.raw_id(job["id"])
    assert (source["document-kind"], source["document-format"]) == ("stage_report", "pdf")
    assert source["template"] == "standard"
    assert int(source["ledger-tree-size"]) > 0
    assert int(source["ledger-chain-seq"]) >= 0
    assert len(source["ledger-chain-head"]) == 64
    assert source["document-number"].startswith("JDBG-")
    # The filing is an archive action in the engagement's trace, like any filing.
    sql = (
        "SELECT count(*) FROM trace_entry WHERE engagement_id = :e "
        "AND event_type = 'archive.action.v1'"
    )
    raw = _db_uuid(system, engagement["raw"])
    for _ in range(300):  # the archive's trace consumer appends it after the commit
        if await system.count("archive", sql, e=raw) == 1:
            break
        await asyncio.sleep(0.1)
    assert await system.count("archive", sql, e=raw) == 1
    # The bytes filed are the bytes hashed (a download is an archive action of its own).
    content = download(api, first["id"])
    assert (first["sha256"], first["size"]) == (hashlib.sha256(content).hexdigest(), len(content))

    # Regenerating (after a correction) files the next version of the same series.
    again = d.generate(api, PM, e)["job"]
    assert d.finished(api, PM, again["id"])["status"] == "DONE"
    [document] = d.documents(api, ENGINEER, e)
    assert [v["version"] for v in document["versions"]] == [1, 2]
    second = document["versions"][1]
    assert second["seriesId"] == first["id"]
    assert document["latest"]["id"] == second["id"]
    assert meta(second)["document-job"] == a.raw_id(again["id"])
    assert int(meta(second)["ledger-tree-size"]) >= int(source["ledger-tree-size"])

    # The unit sees nothing before a handover; another agency sees nothing at all.
    assert d.documents(api, engagement["viewer"], e) == []
    assert d.documents(api, OTHER_PM, e) == []


async def test_R4_2_3_2_each_period_is_a_series_of_its_own(system: RunningSystem):
    api = system.api
    e = engagement_of(system)["e"]
    second = {"start": "2027-04-01", "end": "2027-06-30"}
    jobs = [d.generate(api, PM, e)["job"], d.generate(api, PM, e, period=second)["job"]]
    assert jobs[1]["period"] == second
    assert [d.finished(api, PM, j["id"])["status"] for j in jobs] == ["DONE", "DONE"]
    found = d.documents(api, PM, e)
    assert [len(doc["versions"]) for doc in found] == [1, 1]
    assert sorted(meta(doc["versions"][0])["period"] for doc in found) == [
        "2027-01-01/2027-03-31",
        "2027-04-01/2027-06-30",
    ]
    assert {doc["versions"][0]["title"] for doc in found} == {
        "阶段性工作报告（2027-01-01 至 2027-03-31）",
        "阶段性工作报告（2027-04-01 至 2027-06-30）",
    }


async def test_R4_2_4_2_refusals_queue_nothing(system: RunningSystem, engagement: dict[str, Any]):
    api, e = system.api, engagement["e"]
    before = await job_rows(system, engagement["raw"])
    xlsx = d.generate(api, PM, e, format="XLSX")
    assert xlsx["__typename"] == "DocumentFormatNotOffered"
    assert (xlsx["code"], sorted(xlsx["offered"])) == (
        "document_format_not_offered",
        ["docx", "pdf"],
    )
    unknown = d.generate(api, PM, e, template="没有这个模板")
    assert (unknown["__typename"], unknown["code"]) == (
        "DocumentTemplateNotFound",
        "document_template_not_found",
    )
    period = d.generate(api, PM, e, period={"start": "2027-03-01", "end": "2027-01-01"})
    assert period["__typename"] == "ValidationError"
    assert await job_rows(system, engagement["raw"]) == before


async def test_R4_2_3_2_missing_data_is_a_typed_error_and_no_job(
    system: RunningSystem, engagement: dict[str, Any]
):
    """A stage report needs the period it reports on."""
    api, e = system.api, engagement["e"]
    before = await job_rows(system, engagement["raw"])
    refused = d.generate(api, PM, e, period=None)
    assert refused["__typename"] == "DocumentDataMissing", refused
    assert refused["code"] == "document_data_missing"
    assert refused["missing"] == ["阶段性工作报告需要指定报告期间"]
    assert (
        refused["message"] == "现有记录尚不足以生成阶段性工作报告：阶段性工作报告需要指定报告期间"
    )
    assert await job_rows(system, engagement["raw"]) == before


async def test_R4_2_4_2_a_job_whose_worker_died_is_taken_over_and_filed_once(
    system: RunningSystem,
):
    """A worker claimed the job and died: its lease ran out. Staged as the crash leaves
    it (running, attempt 1 used, lease in the past); the running worker takes it over."""
    api = system.api
    world = engagement_of(system)
    first = d.generate(api, PM, world["e"])["job"]
    assert d.finished(api, PM, first["id"])["status"] == "DONE"
    crashed = str(new_id())
    source, url = a.raw_id(first["id"]), system.database_urls["archive"]
    await d.execute(
        url,
        "INSERT INTO document_job (id, engagement_id, agency_id, unit_id, kind, format, "
        "period_start, period_end, template_id, template, template_version, caller, actor, "
        "tenant, correlation_id, status, progress, attempts, max_attempts, claimed_by, "
        "lease_until, error_code, error_message, item_id, created_by, created_at, "
        "started_at, finished_at) "
        "SELECT :new, engagement_id, agency_id, unit_id, kind, format, period_start, "
        "period_end, template_id, template, template_version, caller, actor, tenant, "
        "correlation_id, 'running', 30, 1, max_attempts, 'dead-worker#1', :past, NULL, "
        "NULL, NULL, created_by, created_at, created_at, NULL FROM document_job WHERE id = :id",
        "archive",
        new=_db_uuid(system, crashed),
        id=_db_uuid(system, source),
        # asyncpg takes a datetime; SQLite stores the text SQLAlchemy would write.
        past=datetime(2000, 1, 1, tzinfo=UTC)
        if url.startswith("postgresql")
        else "2000-01-01 00:00:00.000000",
    )
    job_id = encode_global_id("DocumentJob", UUID(crashed))
    done = d.finished(api, PM, job_id)
    assert (done["status"], done["attempts"], done["progress"]) == ("DONE", 2, 100), done
    [document] = d.documents(api, PM, world["e"])
    assert [v["version"] for v in document["versions"]] == [1, 2]
    assert [meta(v)["document-job"] for v in document["versions"]] == [source, crashed]
    sql = "SELECT count(*) FROM archive_item WHERE engagement_id = :e"
    assert await system.count("archive", sql, e=_db_uuid(system, world["raw"])) == 2


async def test_R4_2_4_2_template_variants_are_validated_versioned_and_chosen(
    system: RunningSystem, engagement: dict[str, Any]
):
    api, e = system.api, engagement["e"]
    variant = {"letterhead": "绿源环保科技 · 环保管家服务部"}
    bad = {"i": {"kind": "STAGE_REPORT", "name": "机构版", "definition": {"nonsense": 1}}}
    refused = api.gql(d.REGISTER, bad, PM)["data"]["registerDocumentTemplate"]
    assert refused["__typename"] == "InvalidDocumentTemplate", refused
    assert refused["code"] == "invalid_document_template"
    assert refused["problems"]
    good = {"i": {"kind": "STAGE_REPORT", "name": "机构版", "definition": variant}}
    v1 = api.gql(d.REGISTER, good, PM)["data"]["registerDocumentTemplate"]["template"]
    v2 = api.gql(d.REGISTER, good, PM)["data"]["registerDocumentTemplate"]["template"]
    assert (v1["version"], v2["version"], v2["name"]) == (1, 2, "机构版")
    listed = api.gql(d.TEMPLATES, {}, ENGINEER)["data"]["documentTemplates"]
    assert listed == [{"kind": "STAGE_REPORT", "name": "机构版", "version": 2}]
    assert api.gql(d.TEMPLATES, {}, OTHER_PM)["data"]["documentTemplates"] == []

    job = d.generate(api, PM, e, template="机构版")["job"]
    assert (job["template"], job["templateVersion"]) == ("机构版", 2)
    done = d.finished(api, PM, job["id"])
    assert done["status"] == "DONE", done
    [item] = [
        v for doc in d.documents(api, PM, e) for v in doc["versions"] if v["id"] == done["itemId"]
    ]
    assert (meta(item)["template"], meta(item)["template-version"]) == ("机构版", "2")


# --- authorization: anonymous, other tenant, same tenant without the permission, with it --


async def test_R4_2_4_2_generate_denials_write_nothing(
    system: RunningSystem, engagement: dict[str, Any]
):
    api, e = system.api, engagement["e"]
    before = await job_rows(system, engagement["raw"])
    assert d.generate(api, None, e)["__typename"] == "NotAuthorized"
    assert d.generate(api, ENGINEER, e)["__typename"] == "NotAuthorized"
    assert d.generate(api, engagement["viewer"], e)["__typename"] == "NotAuthorized"
    other = d.generate(api, OTHER_PM, e)
    assert (other["__typename"], other["code"]) == ("EngagementNotFound", "engagement_not_found")
    assert await job_rows(system, engagement["raw"]) == before

    job = d.generate(api, PM, e)["job"]
    assert d.job(api, None, job["id"]) is None
    assert d.job(api, OTHER_PM, job["id"]) is None
    assert d.job(api, engagement["viewer"], job["id"]) is None
    assert (d.job(api, ENGINEER, job["id"]) or {}).get("id") == job["id"]
    d.finished(api, PM, job["id"])
    assert d.documents(api, None, e) == []
    assert d.documents(api, OTHER_PM, e) == []
    assert d.documents(api, engagement["viewer"], e) == []
    assert d.documents(api, ENGINEER, e) != []

    register = {"i": {"kind": "TRAINING_RECORD", "name": "x", "definition": {}}}
    for caller in (None, ENGINEER, engagement["viewer"]):
        answer = api.gql(d.REGISTER, register, caller)["data"]["registerDocumentTemplate"]
        assert answer["__typename"] == "NotAuthorized"
    assert api.gql(d.TEMPLATES, {}, None)["data"]["documentTemplates"] == []
