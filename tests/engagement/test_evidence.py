"""Evidence on records (#15 item 2) through GraphQL on the running system, on SQLite and
PostgreSQL: inspections with photos, trainings with sign-in sheets, rectification items
before and after, uploads from the record itself, and the checklist's documents — each
item checked by the archive (filed, of this engagement, visible to the caller)."""

from __future__ import annotations

import base64
import hashlib
from typing import Any
from uuid import UUID

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from kit.ids import new_id
from tests.archive import archive_api
from tests.e2e.harness import RunningSystem, eventually, token
from tests.engagement.workflow_client import Engagement, new_engagement, prepare

STEP_FIELDS = """
  ... on EvidenceNotFound { field } ... on EvidenceNotFiled { field }
  ... on EvidenceOtherEngagement { field }
  ... on ValidationError { field } ... on EngagementNotFound { field }
"""
STEP_RESULT = f"__typename ... on Error {{ code message }} {STEP_FIELDS}"
RESULT = f"{STEP_RESULT} ... on RecordNotFound {{ field }}"
STATE = """query($id: ID!) { engagement(id: $id) {
  records { id kind details evidence { id title } }
  rectifications { id status
    before: evidence(role: BEFORE) { id title } after: evidence(role: AFTER) { id title } }
  checklist { items { code status documentRef legacyDocumentRef document { id title } } }
} }"""
ATTACH = f"""mutation($i: AttachEvidenceInput!) {{ attachEvidence(input: $i) {{ {RESULT} }} }}"""
DETACH = f"""mutation($i: DetachEvidenceInput!) {{ detachEvidence(input: $i) {{ {RESULT} }} }}"""
UPLOAD = """mutation($i: RequestEvidenceUploadInput!) { requestEvidenceUpload(input: $i) {
  __typename ... on Error { code message } ... on RecordNotFound { field }
  ... on ValidationError { field } ... on EngagementNotFound { field }
  ... on RequestUploadSuccess { uploadUrl headers { name value } item { id } }
} }"""


def run(e: Engagement, mutation: str, tok: str | None, **fields: Any) -> dict[str, Any]:
    """A workflow step with the evidence errors' fields selected."""
    from tests.engagement.workflow_client import INPUT_TYPES

    query = (
        f"mutation($input: {INPUT_TYPES[mutation]}!) "
        f"{{ {mutation}(input: $input) {{ {STEP_RESULT} }} }}"
    )
    body = e.api.gql(query, {"input": {"engagementId": e.id, **fields}}, tok)
    assert "errors" not in body, body
    return body["data"][mutation]  # type: ignore[no-any-return]


def call(e: Engagement, document: str, tok: str | None, **fields: Any) -> dict[str, Any]:
    body = e.api.gql(document, {"i": {"engagementId": e.id, **fields}}, tok)
    assert "errors" not in body, body
    return next(iter(body["data"].values()))


def state(e: Engagement, tok: str | None = None) -> dict[str, Any]:
    body = e.api.gql(STATE, {"id": e.id}, tok or e.manager)
    assert "errors" not in body, body
    return body["data"]["engagement"]  # type: ignore[no-any-return]


def photo(e: Engagement, title: str, **over: Any) -> dict[str, Any]:
    """A filed archive item of the engagement, uploaded by its project manager."""
    data = f"%PDF-1.4 {title} {new_id()}".encode()
    return archive_api.upload(e.api, e.manager, e.id, data, category="PROCESS_FILE", title=title,
                              **over)  # fmt: skip


def implementing(system: RunningSystem) -> Engagement:
    e = new_engagement(system.api, str(new_id()))
    prepare(e)
    e.ok("signContract", signedOn="2027-01-10")
    return e


def records(e: Engagement, kind: str, tok: str | None = None) -> list[dict[str, Any]]:
    return [r for r in state(e, tok)["records"] if r["kind"] == kind]


def test_R4_2_3_1_inspection_and_training_link_their_evidence_on_create(system: RunningSystem):
    e = implementing(system)
    one, two = photo(e, "巡查照片1"), photo(e, "巡查照片2")
    done = run(e, "recordInspection", e.engineer, performedOn="2027-03-01", problemsFound=1,
               rectificationPlans=1, evidence=[one["id"], two["id"], one["id"]])  # fmt: skip
    assert done["__typename"] == "WorkflowStepSuccess", done
    sheet = photo(e, "培训签到表")
    run(e, "recordTraining", e.engineer, topic="危废管理", heldOn="2027-03-02", attendees=12,
        hasRecords=True, evidence=[sheet["id"]])  # fmt: skip

    [inspection] = records(e, "inspection", e.engineer)
    assert [i["title"] for i in inspection["evidence"]] == ["巡查照片1", "巡查照片2"]  # once each
    [training] = records(e, "training", e.engineer)
    assert [i["id"] for i in training["evidence"]] == [sheet["id"]]


def test_R4_2_3_1_wrong_evidence_is_refused_and_records_nothing(system: RunningSystem):
    e = implementing(system)
    other = new_engagement(system.api, e.manager_agency)  # the same agency's
    elsewhere = photo(other, "别的项目的照片")
    secret = photo(e, "涉密照片", level="SECRET")  # above the engineer's clearance
    pending = {"engagementId": e.id, **_declared(b"never PUT")}
    ticket = e.api.gql(archive_api.REQUEST_UPLOAD, {"i": pending}, e.manager)
    unfiled = ticket["data"]["requestUpload"]["item"]["id"]
    unknown = base64.b64encode(f"ArchiveItem:{new_id()}".encode()).decode()
    fine = photo(e, "现场照片")
    cases = [
        ([fine["id"], unknown], "EvidenceNotFound", "evidence.1"),
        ([elsewhere["id"]], "EvidenceOtherEngagement", "evidence.0"),
        ([secret["id"]], "EvidenceNotFound", "evidence.0"),
        ([unfiled], "EvidenceNotFiled", "evidence.0"),
        (["photo-1"], "ValidationError", "evidence.0"),
    ]
    for evidence, typename, field in cases:
        refused = run(e, "recordEmergency", e.engineer, reportedAt="2027-04-01T08:00:00Z",
                      respondedAt="2027-04-01T08:20:00Z", closedAt="2027-04-01T12:00:00Z",
                      contractedResponseMinutes=30, evidence=evidence)  # fmt: skip
        assert (refused["__typename"], refused["field"]) == (typename, field), refused
    assert records(e, "emergency") == []  # nothing half-written
    # In Chinese by default, in English when asked.
    zh = run(e, "recordComplaint", e.manager, receivedOn="2027-04-02", verified=True,
             evidence=[elsewhere["id"]])  # fmt: skip
    assert zh["message"] == "该档案属于其他托管服务项目，不能作为本记录的证明材料"


def _declared(data: bytes) -> dict[str, Any]:
    return {
        "category": "PROCESS_FILE",
        "title": "整改后照片",
        "filename": "after.pdf",
        "contentType": "application/pdf",
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "confidentiality": "INTERNAL",
        "retention": "YEARS_10",
        "documentDate": "2027-05-01",
    }


def test_R4_2_3_1_attach_and_detach_after_the_fact(system: RunningSystem):
    e = implementing(system)
    run(e, "recordInspection", e.engineer, performedOn="2027-03-01", problemsFound=0,
        rectificationPlans=0)  # fmt: skip
    [inspection] = records(e, "inspection")
    one, two = photo(e, "补充照片1"), photo(e, "补充照片2")
    attached = call(e, ATTACH, e.engineer, recordId=inspection["id"], itemIds=[one["id"]])
    assert attached["__typename"] == "WorkflowStepSuccess", attached
    again = call(e, ATTACH, e.engineer, recordId=inspection["id"],
                 itemIds=[one["id"], two["id"]])  # fmt: skip
    assert again["__typename"] == "WorkflowStepSuccess", again
    assert [i["title"] for i in records(e, "inspection")[0]["evidence"]] == [
        "补充照片1",
        "补充照片2",
    ]

    # BEFORE/AFTER belong to rectification items; an unknown record is not found.
    role = call(e, ATTACH, e.engineer, recordId=inspection["id"], itemIds=[one["id"]],
                role="AFTER")  # fmt: skip
    assert (role["__typename"], role["field"]) == ("ValidationError", "role")
    missing = call(e, ATTACH, e.engineer, recordId=str(new_id()), itemIds=[one["id"]])
    assert (missing["__typename"], missing["field"]) == ("RecordNotFound", "recordId")

    # Detaching an item not linked unlinks nothing at all.
    three = photo(e, "未关联")
    stale = call(e, DETACH, e.engineer, recordId=inspection["id"],
                 itemIds=[one["id"], three["id"]])  # fmt: skip
    assert (stale["__typename"], stale["field"]) == ("ValidationError", "itemIds.1")
    assert len(records(e, "inspection")[0]["evidence"]) == 2
    detached = call(e, DETACH, e.engineer, recordId=inspection["id"], itemIds=[one["id"]])
    assert detached["__typename"] == "WorkflowStepSuccess", detached
    assert [i["title"] for i in records(e, "inspection")[0]["evidence"]] == ["补充照片2"]
    # Traced: linked one, linked the one new of two, unlinked one; refusals nothing.
    trace = e.traced("engagement.evidence_changed.v1", times=3)
    assert [t["eventType"] for t in trace].count("engagement.evidence_changed.v1") == 3


def test_R4_2_3_1_denied_callers_change_nothing(system: RunningSystem):
    e = implementing(system)
    run(e, "recordTraining", e.engineer, topic="应急演练", heldOn="2027-03-02", attendees=8,
        hasRecords=True)  # fmt: skip
    [training] = records(e, "training")
    sheet = photo(e, "签到表")
    agency = e.manager_agency
    callers = {
        "anonymous": None,
        "other tenant": token(f"agency:{new_id()}", "engineer"),
        "without permission": token(f"agency:{agency}", "expert"),  # nor may upload
        "the unit": token(f"unit:{e.unit}", "client_admin"),
    }
    for who, tok in callers.items():
        result = call(e, ATTACH, tok, recordId=training["id"], itemIds=[sheet["id"]])
        assert not result["__typename"].endswith("Success"), (who, result)
        upload = call(e, UPLOAD, tok, recordId=training["id"], **_declared(b"x"))
        assert not upload["__typename"].endswith("Success"), (who, upload)
    assert records(e, "training")[0]["evidence"] == []


def test_R4_2_3_1_evidence_above_the_readers_clearance_reads_as_absent(system: RunningSystem):
    e = implementing(system)
    secret = photo(e, "涉密监测报告", level="SECRET")
    public = photo(e, "公开照片")
    run(e, "recordPenalty", e.manager, decidedOn="2027-05-01", authority="市生态环境局",
        amount="10000", evidence=[public["id"], secret["id"]])  # fmt: skip
    assert [i["title"] for i in records(e, "penalty", e.manager)[0]["evidence"]] == [
        "公开照片",
        "涉密监测报告",
    ]
    assert [i["title"] for i in records(e, "penalty", e.engineer)[0]["evidence"]] == ["公开照片"]


def test_R4_2_3_1_rectification_before_and_after_photos(system: RunningSystem):
    e = implementing(system)
    before = photo(e, "整改前")
    raised = run(e, "raiseRectification", e.engineer, problemKey="废气无组织排放",
                 description="车间无组织排放", plan="加装集气罩", owner="厂长",
                 dueDate="2027-06-30", evidence=[before["id"]])  # fmt: skip
    assert raised["__typename"] == "WorkflowStepSuccess", raised
    [item] = state(e)["rectifications"]
    after = photo(e, "整改后")
    reported = run(e, "reportRectified", e.engineer, rectificationId=item["id"],
                   note="已加装", evidence=[after["id"]])  # fmt: skip
    assert reported["__typename"] == "WorkflowStepSuccess", reported
    [item] = state(e)["rectifications"]
    assert [i["title"] for i in item["before"]] == ["整改前"]
    assert [i["title"] for i in item["after"]] == ["整改后"]


def test_R4_2_3_1_upload_from_the_record_links_it_once_filed(system: RunningSystem):
    e = implementing(system)
    run(e, "raiseRectification", e.engineer, problemKey="雨污混流", description="雨污管线未分流",
        plan="改造管网", owner="厂长", dueDate="2027-06-30")  # fmt: skip
    [item] = state(e)["rectifications"]
    run(e, "reportRectified", e.engineer, rectificationId=item["id"], note="已改造")

    data = b"%PDF-1.4 after the work"
    ticket = call(e, UPLOAD, e.manager, recordId=item["id"], **_declared(data))
    assert ticket["__typename"] == "RequestUploadSuccess", ticket
    assert state(e)["rectifications"][0]["after"] == []  # nothing linked before it is filed
    headers = {h["name"]: h["value"] for h in ticket["headers"]}
    put = httpx.put(ticket["uploadUrl"], content=data, headers=headers, timeout=30)
    assert put.status_code == 200, put.text
    for _ in range(2):  # a retried completion files (and links) it once
        done = e.api.gql(archive_api.COMPLETE, {"i": {"itemId": ticket["item"]["id"]}}, e.manager)
        assert done["data"]["completeUpload"]["__typename"] == "ArchiveItemSuccess", done

    linked = eventually(lambda: state(e)["rectifications"][0]["after"])
    assert [i["id"] for i in linked] == [ticket["item"]["id"]]

    wrong = call(e, UPLOAD, e.manager, recordId=str(new_id()), **_declared(data))
    assert (wrong["__typename"], wrong["field"]) == ("RecordNotFound", "recordId")


async def _write(system: RunningSystem, sql: str, **params: Any) -> None:
    """A row as the previous release left it (the migration keeps it as it was)."""
    url = system.database_urls["engagement"]
    args = {"server_settings": {"search_path": "engagement"}} if url.startswith("postgres") else {}
    engine = create_async_engine(url, connect_args=args)
    try:
        async with engine.begin() as conn:
            await conn.execute(text(sql), params)
    finally:
        await engine.dispose()


def test_R4_2_2_3_checklist_documents_are_checked_archive_items(system: RunningSystem):
    import asyncio

    e = new_engagement(system.api, str(new_id()))
    document = photo(e, "排污许可证")
    unknown = base64.b64encode(f"ArchiveItem:{new_id()}".encode()).decode()
    refused = run(e, "updateChecklistItem", e.engineer, code="A.1.01", status="received",
                  documentRef=unknown)  # fmt: skip
    assert (refused["__typename"], refused["field"]) == ("EvidenceNotFound", "documentRef")
    text_ref = run(e, "updateChecklistItem", e.engineer, code="A.1.01", status="received",
                   documentRef="doc-1")  # fmt: skip
    assert (text_ref["__typename"], text_ref["field"]) == ("ValidationError", "documentRef")
    ok = run(e, "updateChecklistItem", e.engineer, code="A.1.01", status="received",
             documentRef=document["id"])  # fmt: skip
    assert ok["__typename"] == "WorkflowStepSuccess", ok

    # A document recorded before references were checked keeps its text, as legacy.
    engagement = UUID(archive_api.raw_id(e.id))
    sqlite = system.database_urls["engagement"].startswith("sqlite")
    asyncio.run(
        _write(
            system,
            "UPDATE checklist_entry SET status = 'received', document_ref = 'ARC-2026-001' "
            "WHERE code = 'A.1.02' AND engagement_id = :e",
            e=engagement.hex if sqlite else engagement,
        )
    )
    items = {i["code"]: i for i in state(e)["checklist"]["items"]}
    assert items["A.1.01"]["document"] == {"id": document["id"], "title": "排污许可证"}
    assert (items["A.1.01"]["documentRef"], items["A.1.01"]["legacyDocumentRef"]) == (
        document["id"],
        None,
    )
    legacy = items["A.1.02"]
    assert (legacy["documentRef"], legacy["legacyDocumentRef"], legacy["document"]) == (
        "ARC-2026-001",
        "ARC-2026-001",
        None,
    )
