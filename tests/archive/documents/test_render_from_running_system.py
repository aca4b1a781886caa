"""Documents rendered from an engagement driven through the running system (gateway,
engagement service, NATS, both databases): the facts are read back over the services'
own RPCs, as the generation pipeline reads them, so the renderer is checked against
what the services really return, not only against made-up facts."""

from __future__ import annotations

import asyncio
import base64
from uuid import UUID

import nats

from contracts.archive.documents import (
    DocumentFormat,
    DocumentKind,
    DocumentPeriod,
    EngagementFacts,
)
from contracts.core import Scope
from contracts.engagement.rpc import GET_ENGAGEMENTS, GetManyRequest
from contracts.engagement.rpc_directory import GET_UNITS
from contracts.engagement.rpc_workflow import GET_WORKFLOWS, WorkflowRequest
from kit.ids import new_id
from kit.rpc import CallContext, RpcClient
from services.archive.documents.render import missing_data, render_document
from tests.archive.documents.docx_read import read_docx
from tests.archive.documents.factory import meta
from tests.archive.documents.pdf import read_pdf
from tests.e2e.harness import RunningSystem
from tests.engagement.workflow_client import Engagement, new_engagement, prepare


def _uuid(global_id: str) -> UUID:
    return UUID(base64.b64decode(global_id).decode().split(":", 1)[1])


def drive(e: Engagement) -> None:
    """A small year: plan, contract, an inspection with a rectification closed after
    a failed verification, a training, an emergency, a survey, a stage report objected,
    discussed at a seminar and resubmitted, the list finished."""
    item = prepare(e, quantity=2)
    e.ok("signContract", signedOn="2027-01-10")
    e.ok("recordInspection", e.engineer, performedOn="2027-03-01", problemsFound=1,
         rectificationPlans=1, listItemId=item)  # fmt: skip
    e.ok("raiseRectification", e.engineer, problemKey="危废标识不规范", description="危废间无标识",
         plan="张贴标识", owner="厂区安环部", dueDate="2027-03-20")  # fmt: skip
    rect = e.state()["rectifications"][0]["id"]
    e.ok("reportRectified", e.client, rectificationId=rect, note="已张贴")
    e.ok("verifyRectification", e.engineer, rectificationId=rect, passed=False, note="标识内容不全")
    e.ok("reportRectified", e.client, rectificationId=rect, note="已补全")
    e.ok("verifyRectification", e.engineer, rectificationId=rect, passed=True, note="合格")
    e.ok("recordInspection", e.engineer, performedOn="2027-03-15", problemsFound=0,
         rectificationPlans=0, listItemId=item)  # fmt: skip
    e.ok("recordTraining", e.engineer, topic="危废管理", heldOn="2027-03-05", attendees=30,
         hasRecords=True)  # fmt: skip
    e.ok("recordEmergency", e.engineer, reportedAt="2027-03-09T08:00:00Z",
         respondedAt="2027-03-09T08:40:00Z", closedAt="2027-03-09T12:00:00Z",
         contractedResponseMinutes=60)  # fmt: skip
    e.ok("recordSatisfactionSurvey", e.engineer, method="QUESTIONNAIRE",
         conductedOn="2027-03-30", score="92.5")  # fmt: skip
    period = {"periodStart": "2027-03-01", "periodEnd": "2027-03-31"}
    e.ok("submitStageReport", problems="危废管理不规范", solutions="张贴标识", **period)
    e.ok("reviewStageReport", e.client, reportNo=1, accept=False, feedback="请研讨长效机制")
    e.ok("recordSeminar", heldOn="2027-03-28", experts=["赵教授"], departments=["市生态环境局"],
         problems="危废长效管理", conclusion="建立月度自查制度", reportNo=1)  # fmt: skip
    e.ok("submitStageReport", reportNo=1, problems="危废管理不规范", **period)
    e.ok("reviewStageReport", e.client, reportNo=1, accept=True)
    e.ok("finishListItem", itemId=item)
    assert e.ok("completeImplementation") == "RESULTS"


async def gather(nats_url: str, agency: str, engagement_id: UUID) -> EngagementFacts:
    nc = await nats.connect(nats_url)
    try:
        rpc = RpcClient(nc, timeout=10)
        ctx = CallContext(actor="pm", tenant=f"agency:{agency}", correlation_id=str(new_id()))
        scope = Scope(agency_id=UUID(agency))
        [engagement] = (
            await rpc.call(GET_ENGAGEMENTS, GetManyRequest(ids=[engagement_id], scope=scope), ctx)
        ).items
        assert engagement is not None
        [workflow] = (
            await rpc.call(
                GET_WORKFLOWS, WorkflowRequest(engagement_ids=[engagement_id], scope=scope), ctx
            )
        ).items
        [unit] = (
            await rpc.call(GET_UNITS, GetManyRequest(ids=[engagement.unit_id], scope=scope), ctx)
        ).items
        assert workflow is not None
        assert unit is not None
        return EngagementFacts(engagement=engagement, unit=unit, workflow=workflow)
    finally:
        await nc.close()


def test_R4_2_3_2_documents_from_an_engagement_the_services_recorded(system: RunningSystem):
    agency = str(new_id())
    e = new_engagement(system.api, agency)
    drive(e)
    facts = asyncio.run(gather(system.stack.nats_url, agency, _uuid(e.id)))
    march = meta(DocumentPeriod.model_validate({"start": "2027-03-01", "end": "2027-03-31"}))

    stage = read_pdf(
        render_document(DocumentKind.STAGE_REPORT, DocumentFormat.PDF, facts, march).content
    )
    text = stage.text
    assert facts.unit.name in stage.pages[0]
    assert "本期开展巡查2次，发现问题1项，已制定整改方案1项。" in text
    assert "危废管理" in text
    assert "按约定时限响应1起，平均响应用时40.0分钟。" in text
    assert "本期开展满意度调查1次，平均得分92.5。" in text
    assert "请研讨长效机制" in text
    assert "建立月度自查制度" in text  # the seminar's conclusion
    assert stage.notdef == 0

    ledger = read_docx(
        render_document(
            DocumentKind.RECTIFICATION_LEDGER, DocumentFormat.DOCX, facts, meta()
        ).content
    )
    # a rectification is raised on the day it is recorded (today, not in 2027), so it
    # is not in March's report but in the ledger of everything recorded
    [row] = ledger.tables[-1][1:]
    assert row[1:5] == ["危废标识不规范", "危废间无标识", "张贴标识", "厂区安环部"]
    assert row[7] == "已销号"

    results = read_pdf(
        render_document(DocumentKind.RESULTS_REPORT, DocumentFormat.PDF, facts, meta()).content
    )
    assert "2次" in results.text  # the monitoring item's 2 of 2
    for kind in DocumentKind:
        m = march if kind == DocumentKind.STAGE_REPORT else meta()
        if missing_data(kind, facts, m):
            continue  # the C.1 table: no scorecard in these facts
        for fmt in (DocumentFormat.PDF, DocumentFormat.DOCX):
            assert render_document(kind, fmt, facts, m).content
