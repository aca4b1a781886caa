"""An engagement suspended and resumed, terminated early, or cancelled before its
contract: what each allows, what happens to open items and to the evaluation."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from contracts.engagement import actions as engagement_actions
from kit.db import Database
from kit.ids import new_id
from services.engagement.models import ListItem
from services.engagement.workflow.commands import act, overdue
from tests.e2e.harness import RunningSystem, eventually, token
from tests.engagement import test_survey_links as links
from tests.engagement.corrections_client import change, changed, record_of, state
from tests.engagement.rows import CTX, engagement_in_implementation
from tests.engagement.workflow_client import TEAM, new_engagement, prepare
from tests.evaluation import gql

CARDS = (
    "query($e: ID!) { scorecards(engagementId: $e) "
    "{ edges { node { id status periodStart periodEnd } } } }"
)


def test_R4_2_a_suspended_engagement_takes_only_corrections_until_resumed(system: RunningSystem):
    e = new_engagement(system.api, str(new_id()))
    item = prepare(e)
    e.ok("signContract", signedOn="2027-01-10")
    e.ok("recordInspection", e.engineer, performedOn="2027-03-01", problemsFound=1,
         rectificationPlans=0, listItemId=item)  # fmt: skip
    denied = change(e, "suspendEngagement", e.engineer, reason="停产检修",
                    suspendedFrom="2027-04-01")  # fmt: skip
    assert denied["__typename"] == "NotAuthorized"
    changed(e, "suspendEngagement", reason="企业停产检修", suspendedFrom="2027-04-01")
    now = state(e)
    assert (now["status"], now["statusReason"], now["statusOn"], now["stage"]) == (
        "SUSPENDED", "企业停产检修", "2027-04-01", "IMPLEMENTATION",
    )  # fmt: skip

    refused = e.step("recordInspection", e.engineer, performedOn="2027-04-02", problemsFound=0,
                     rectificationPlans=0)  # fmt: skip
    assert refused["__typename"] == "WorkflowConflict"
    assert refused["message"] == "项目已暂停，不能进行此步骤"
    inspection = record_of(e, "inspection")
    changed(e, "correctInspection", e.engineer, recordId=inspection["id"], reason="补录整改方案",
            performedOn="2027-03-01", problemsFound=1, rectificationPlans=1)  # fmt: skip
    twice = change(e, "suspendEngagement", reason="x", suspendedFrom="2027-04-02")
    assert (twice["__typename"], twice["fromStage"], twice["toStage"]) == (
        "TransitionNotAllowed", "suspended", "suspended",
    )  # fmt: skip
    early = change(e, "resumeEngagement", resumedOn="2027-03-31")
    assert (early["__typename"], early["field"]) == ("ValidationError", "resumedOn")

    changed(e, "resumeEngagement", resumedOn="2027-05-01")
    now = state(e)
    assert (now["status"], now["statusReason"], now["statusOn"]) == ("ACTIVE", None, "2027-05-01")
    e.ok("recordInspection", e.engineer, performedOn="2027-05-02", problemsFound=0,
         rectificationPlans=0)  # fmt: skip
    trace = [t["eventType"] for t in e.traced("engagement.resumed.v1")]
    assert trace.count("engagement.suspended.v1") == 1


async def test_R4_2_2_1_a_suspended_engagement_is_not_nagged_about_overdue_items(db: Database):
    engagement_id, _unit, scope = await engagement_in_implementation(db)
    today = date(2027, 6, 1)
    async with db.transaction() as s:
        s.add(
            ListItem(
                id=new_id(), engagement_id=engagement_id, catalogue_code="6.1.5", scope="监测",
                expected_effect="", target="", contracted_quantity=None, quantity_unit=None,
                due_date=today - timedelta(days=1), customised=False, status="open",
                waived_reason=None, created_at=datetime.now(UTC),
            )
        )  # fmt: skip
        rectification = engagement_actions.RaiseRectification(
            problem_key="噪声超标", description="d", plan="p", owner="o",
            due_date=today - timedelta(days=2),
        )  # fmt: skip
        await act.act(s, request(engagement_id, scope, rectification), CTX)
        suspend = engagement_actions.SuspendEngagement(reason="停产", suspended_from=today)
        await act.act(s, request(engagement_id, scope, suspend), CTX)
    async with db.transaction() as s:
        assert await overdue.notify_overdue(s, today) == 0  # suspended: not announced
        resume = engagement_actions.ResumeEngagement(resumed_on=today)
        await act.act(s, request(engagement_id, scope, resume), CTX)
    async with db.transaction() as s:
        # Time nodes are not moved: what passed meanwhile is announced once resumed.
        assert await overdue.notify_overdue(s, today) == 2


def request(
    engagement_id: Any, scope: Any, action: engagement_actions.Action
) -> engagement_actions.ActRequest:
    return engagement_actions.ActRequest(engagement_id=engagement_id, scope=scope, action=action)


def test_R4_2_5_terminated_early_is_evaluated_for_the_period_served_on_current_records(
    system: RunningSystem,
):
    agency = str(new_id())
    e = new_engagement(system.api, agency)
    evaluator = token(f"agency:{agency}", "evaluator", user="eva-li")
    item = prepare(e)  # two inspections contracted
    e.ok("signContract", signedOn="2027-01-10")
    for day, plans in (("2027-03-01", 0), ("2027-04-01", 2)):
        e.ok("recordInspection", e.engineer, performedOn=day, problemsFound=2,
             rectificationPlans=plans, listItemId=item)  # fmt: skip
    e.ok("recordPenalty", decidedOn="2027-05-01", authority="市生态环境局", amount="5000.00")

    cancel = change(e, "cancelEngagement", reason="误建")
    assert cancel["__typename"] == "TransitionNotAllowed"
    assert cancel["missing"] == ["尚未签订合同（否则请提前终止）"]
    before_contract = change(e, "terminateEngagement", reason="协商", terminatedOn="2027-01-05",
                             byAgreement=True)  # fmt: skip
    assert (before_contract["__typename"], before_contract["field"]) == (
        "ValidationError", "terminatedOn",
    )  # fmt: skip
    changed(e, "terminateEngagement", reason="企业搬迁，双方协商一致提前终止",
            terminatedOn="2027-06-30", byAgreement=True)  # fmt: skip
    now = state(e)
    assert (now["stage"], now["status"], now["statusOn"], now["terminatedByAgreement"]) == (
        "EVALUATION", "TERMINATED", "2027-06-30", True,
    )  # fmt: skip
    # Open items stay as they were; no new step but corrections.
    assert [i["id"] for i in now["listItems"]] == [item]
    refused = e.step("recordComplaint", receivedOn="2027-07-01", verified=False)
    assert refused["__typename"] == "WorkflowConflict"

    def card() -> dict[str, Any] | None:
        edges = system.api.gql(CARDS, {"e": e.id}, evaluator)["data"]["scorecards"]["edges"]
        return edges[0]["node"] if edges else None

    opened = eventually(card)
    assert (opened["periodStart"], opened["periodEnd"]) == ("2027-01-01", "2027-06-30")

    def suggested(code: str, points: Decimal) -> Any:
        def check() -> bool:
            found = gql.run(system.api, gql.SUGGESTIONS, evaluator, id=opened["id"])
            by_code = {s["itemCode"]: s for s in found["suggestions"]}
            return code in by_code and Decimal(by_code[code]["points"]) == points

        return eventually(check)

    suggested("二.2", Decimal("4.50"))  # 2 of 2 inspections; plans for 2 of 4 problems
    suggested("三.4", Decimal("0"))  # a penalty
    first = next(r for r in state(e)["records"] if r["occurredOn"] == "2027-03-01")
    changed(e, "correctInspection", e.engineer, recordId=first["id"], reason="整改方案漏录",
            performedOn="2027-03-01", problemsFound=2, rectificationPlans=2,
            listItemId=item)  # fmt: skip
    suggested("二.2", Decimal("6.00"))  # the corrected version counts
    penalty = record_of(e, "penalty")
    changed(e, "voidRecord", recordId=penalty["id"], kind="penalty", reason="处罚已被撤销")
    suggested("三.4", Decimal("5.00"))  # no penalty any more
    changed(e, "voidRecord", e.engineer, recordId=first["id"], kind="inspection", reason="重复")
    suggested("二.2", Decimal("4.50"))  # 1 of 2 inspections; plans for 2 of 2 problems


def test_R4_2_1_a_mistaken_engagement_is_cancelled_before_its_contract(system: RunningSystem):
    e = new_engagement(system.api, str(new_id()))
    e.ok("addListItem", catalogueCode="6.1.5", scope="监测")
    early = change(e, "terminateEngagement", reason="r", terminatedOn="2027-02-01",
                   byAgreement=False)  # fmt: skip
    assert early["__typename"] == "TransitionNotAllowed"
    assert early["missing"] == ["已签订合同且处于实施或成果阶段（否则请撤销）"]
    denied = change(e, "cancelEngagement", e.engineer, reason="误建")
    assert denied["__typename"] == "NotAuthorized"
    admin = token(f"agency:{e.manager_agency}", "agency_admin", user="admin")
    changed(e, "cancelEngagement", admin, reason="单位选错，重新建立")

    now = state(e)
    assert (now["status"], now["statusReason"], now["stage"]) == (
        "CANCELLED", "单位选错，重新建立", "PREPARATION",
    )  # fmt: skip
    item = now["listItems"][0]["id"]
    for mutation, fields in (
        ("addListItem", {"catalogueCode": "6.1.5", "scope": "x"}),
        ("formTeam", {"contractedSize": 1, "members": TEAM[:1]}),
    ):
        assert e.step(mutation, **fields)["__typename"] == "WorkflowConflict"
    fix = change(e, "correctListItem", itemId=item, reason="r", scope="x")
    assert fix["__typename"] == "WorkflowConflict"
    resumed = change(e, "resumeEngagement", resumedOn="2027-02-01")
    assert resumed["__typename"] == "TransitionNotAllowed"
    e.traced("engagement.cancelled.v1")


def test_R4_2_3_1_survey_links_of_a_suspended_engagement_are_not_answered(system: RunningSystem):
    e = links.implementing(system)
    issued = links.issue(e)
    assert issued["__typename"] == "SurveyLinkIssued"
    changed(e, "suspendEngagement", reason="停产", suspendedFrom="2027-04-01")

    assert links.gql(e, links.BY_TOKEN, None, t=issued["token"]) is None
    refused = links.answer(e, issued["token"], "张三", "90", phone="13800000000")
    assert refused["__typename"] == "SurveyLinkInvalid"
    assert links.issue(e)["__typename"] == "WorkflowConflict"
    assert [r for r in state(e)["records"] if r["kind"] == "satisfaction_survey"] == []

    changed(e, "resumeEngagement", resumedOn="2027-05-01")
    accepted = links.answer(e, issued["token"], "张三", "90", phone="13800000000")
    assert accepted["__typename"] == "SurveyAnswerAccepted"
