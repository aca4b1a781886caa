"""The typed errors of the handover and of generated documents, on the running system,
in the caller's language (R4.2.4.2, R4.2.3.2): Chinese by default, English with
`Accept-Language: en`; each listed missing datum and each problem of a template variant
too, and enum values said with their labels. The code never changes."""

from __future__ import annotations

from typing import Any

import pytest

from kit.ids import new_id
from tests.archive import archive_api as a
from tests.archive import documents_api as d
from tests.archive import handover_api as h
from tests.e2e.harness import RunningSystem, eventually
from tests.engagement.workflow_client import new_engagement

AGENCY = str(new_id())
ADMIN = a.tok(f"agency:{AGENCY}", "agency_admin", "admin")
PM = a.tok(f"agency:{AGENCY}", "project_manager", "pm", clearance=3)
GENERATE = """mutation($i: GenerateDocumentInput!) { generateDocument(input: $i) { __typename
  ... on DocumentDataMissing { missing }
  ... on DocumentFormatNotOffered { field offered }
  ... on DocumentTemplateNotFound { field }
  ... on Error { code message } } }"""
REGISTER = """mutation($i: RegisterDocumentTemplateInput!) { registerDocumentTemplate(input: $i) {
  __typename ... on InvalidDocumentTemplate { problems } ... on Error { code message } } }"""
EN = {"Accept-Language": "en"}


def ask(stack: RunningSystem, query: str, variables: dict[str, Any], **headers: str) -> Any:
    api = stack.api
    r = api.client.post(
        api.url + "/graphql",
        json={"query": query, "variables": variables},
        headers={"authorization": f"Bearer {PM}", **headers},
    )
    assert r.status_code == 200, r.text
    data = r.json()["data"]
    [answer] = data.values()
    return answer


def both(stack: RunningSystem, query: str, variables: dict[str, Any]) -> tuple[Any, Any]:
    return ask(stack, query, variables), ask(stack, query, variables, **EN)


@pytest.fixture(scope="module")
def engagement(system: RunningSystem) -> Any:
    e = new_engagement(system.api, AGENCY)
    eventually(lambda: system.api.settled(ADMIN, e.id))
    return e


def request(e: Any, **over: Any) -> dict[str, Any]:
    return {"i": {"engagementId": e.id, **d.FIRST_QUARTER, **over}}


def test_R4_2_3_2_document_errors_follow_accept_language(
    system: RunningSystem,
    engagement: Any,
) -> None:
    zh, en = both(system, GENERATE, request(engagement, period=None))
    assert zh == {
        "__typename": "DocumentDataMissing",
        "code": "document_data_missing",
        "message": "现有记录尚不足以生成阶段性工作报告：阶段性工作报告需要指定报告期间",
        "missing": ["阶段性工作报告需要指定报告期间"],
    }
    assert en == {
        "__typename": "DocumentDataMissing",
        "code": "document_data_missing",
        "message": "the recorded data cannot fill the stage_report yet: "
        "a stage report needs a period",
        "missing": ["a stage report needs a period"],
    }

    zh, en = both(system, GENERATE, request(engagement, format="XLSX"))
    assert zh == {
        "__typename": "DocumentFormatNotOffered",
        "code": "document_format_not_offered",
        "message": "阶段性工作报告不提供Excel（XLSX）格式，可选：Word（DOCX）、PDF",
        "field": "format",
        "offered": ["docx", "pdf"],
    }
    assert en["message"] == "stage_report is not produced as xlsx, only as docx, pdf"
    assert en["code"] == "document_format_not_offered"

    zh, en = both(system, GENERATE, request(engagement, template="没有这个模板"))
    assert zh == {
        "__typename": "DocumentTemplateNotFound",
        "code": "document_template_not_found",
        "message": "本机构没有名为「没有这个模板」的阶段性工作报告模板",
        "field": "template",
    }
    assert en["message"] == (
        "your agency has no template variant named 没有这个模板 for the stage_report"
    )


def test_invalid_document_template_lists_its_problems_in_the_callers_language(
    system: RunningSystem,
) -> None:
    shape = {"kind": "STAGE_REPORT", "name": "机构版", "definition": {"footer": "页" * 201}}
    zh, en = both(system, REGISTER, {"i": shape})
    assert zh == {
        "__typename": "InvalidDocumentTemplate",
        "code": "invalid_document_template",
        "message": "模板有 1 处问题：footer: 至多 200 个字符",
        "problems": ["footer: 至多 200 个字符"],
    }
    assert en["problems"] == ["footer: at most 200 character(s) are allowed"]
    assert en["message"] == (
        "the template variant has 1 problem(s): footer: at most 200 character(s) are allowed"
    )

    placeholder = {**shape, "definition": {"letterhead": "{{ unit_name }} {{ nope }}"}}
    zh, en = both(system, REGISTER, {"i": placeholder})
    assert zh["problems"] == ["未知占位符 {{ nope }}"]
    assert en["problems"] == ["unknown placeholder {{ nope }}"]


def test_R4_2_4_2_handover_incomplete_follows_accept_language(
    system: RunningSystem,
    engagement: Any,
) -> None:
    h.to_results(engagement)
    summary, results = h.deliverables(system.api, PM, engagement.id)
    variables = {
        "i": {
            "engagementId": engagement.id,
            "handedOverOn": "2027-12-20",
            "deliverables": [summary["id"], results["id"]],
            "waivers": [],
        }
    }
    zh, en = both(system, h.HAND_OVER, variables)
    assert zh == {
        "__typename": "HandoverIncomplete",
        "code": "handover_incomplete",
        "message": "缺少移交成果：环境管理档案、宣传培训材料（请移交或说明免交理由）",
        "field": "waivers",
        "missing": h.OTHER_KINDS,
    }
    assert en["message"] == (
        "required results neither handed over nor waived: environmental_files, "
        "training_publicity (hand them over or give the reason for waiving them)"
    )
    assert en["missing"] == h.OTHER_KINDS
