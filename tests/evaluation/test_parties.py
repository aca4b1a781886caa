"""The parties the contract names evaluate the agency (R4.2.5), each with its own token:
a joint panel of the client and an appointed third-party evaluator, weighted; the
agency's self-assessment beside the binding card; pay by results on finalising
(R3.1-pay); falsification found by a regulator (R7.2-fraud). Through GraphQL on the
real system."""

from __future__ import annotations

import base64
from decimal import Decimal
from io import BytesIO
from typing import Any

from openpyxl import load_workbook

from kit.ids import new_id
from services.evaluation.templates import standard_c1
from tests.e2e.harness import RunningSystem, eventually, token
from tests.engagement.test_acceptance import created_with_method, to_acceptance
from tests.evaluation import gql

SCORED = [i for p in standard_c1().parts if p.kind == "scored" for i in p.items]
THIRD = str(new_id())
METHOD = {
    "parties": [
        {"kind": "CLIENT", "weight": "0.6"},
        {"kind": "THIRD_PARTY", "weight": "0.4", "evaluatorId": THIRD},
    ],
    "selfAssessmentRequired": True,
}
FEES = {"amount": "120000.00", "basis": "on_results", "payByResults": {"rule": "BY_GRADE"}}
CARDS = """query($e: ID!) { scorecards(engagementId: $e) { edges { node {
  id kind status total grade weights { party weight } appealDays
  settlement { percent amount currency } } } } }"""
CARD = """query($id: ID!) { scorecard(id: $id) { id kind status total grade
  settlement { percent amount currency } scores { party } } }"""
APPEALS = "appeals { id reasons decision raisedBy answer amendedScorecardId }"
CARD_APPEALS = f"query($id: ID!) {{ scorecard(id: $id) {{ status {APPEALS} }} }}"
APPEAL = gql.mutation(
    "appealScorecard", "AppealScorecardInput", "... on AppealNotAllowed { field }"
)
APPEAL = APPEAL.replace(
    "falsification { party decidedBy }", "falsification { party decidedBy } " + APPEALS
)
ANSWER = gql.mutation(
    "answerScorecardAppeal", "AnswerScorecardAppealInput", "... on AppealNotAllowed { field }"
).replace("falsification { party decidedBy }", "falsification { party decidedBy } " + APPEALS)
FINALIZE = gql.mutation(
    "finalizeScorecard",
    "FinalizeScorecardInput",
    gql.INCOMPLETE,
    gql.LOCKED,
    "... on SelfAssessmentPending { field }",
)


def cards(system: RunningSystem, tok: str, engagement: str) -> dict[str, dict[str, Any]]:
    body = system.api.gql(CARDS, {"e": engagement}, tok)
    assert "errors" not in body, body
    return {e["node"]["kind"]: e["node"] for e in body["data"]["scorecards"]["edges"]}


def settlement_row(system: RunningSystem, tok: str, card: str) -> list[Any] | None:
    """The settlement row of the scorecard's XLSX (table C.1), if it has one."""
    xlsx = gql.run(system.api, gql.XLSX, tok, id=card)["xlsx"]
    sheet = load_workbook(BytesIO(base64.b64decode(xlsx["contentBase64"]))).worksheets[0]
    for row in sheet.iter_rows(values_only=True):
        if row[0] == "按效果付费":
            return [row[0], row[2], row[4]]
    return None


def score_all(system: RunningSystem, tok: str, card: str, less: int) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for item in SCORED:
        points = Decimal(str(item.max_points)) - less
        result = gql.run(
            system.api,
            gql.SCORE,
            tok,
            input={
                "scorecardId": card,
                "itemCode": item.code,
                "points": str(points),
                "justification": "现场核查",
                "overrideReason": "按现场核查",
            },
        )
        assert result["__typename"] == "ScorecardSuccess", (item.code, result)
    return result


def test_R4_2_5_R7_1_R7_2_R7_2_fraud_R3_the_parties_named_score_and_the_result_settles_the_fee(
    system: RunningSystem,
):
    e = created_with_method(system, METHOD, feeTerms=FEES)
    assert to_acceptance(system, e) == "EVALUATION"
    agency_evaluator = token(f"agency:{e.manager_agency}", "evaluator", user="eva-agency")
    third = token(f"evaluator:{THIRD}", "appointed_evaluator", user="eva-third")
    stranger = token(f"evaluator:{new_id()}", "appointed_evaluator", user="eva-other")
    regulator = token("region:44", "regulator", user="reg-gd")

    opened = eventually(lambda: (c := cards(system, agency_evaluator, e.id)) and len(c) == 2 and c)
    binding, own = opened["BINDING"], opened["SELF"]
    assert binding["weights"] == [
        {"party": "CLIENT", "weight": "0.6"},
        {"party": "THIRD_PARTY", "weight": "0.4"},
    ]
    assert own["weights"] == [{"party": "AGENCY", "weight": "1"}]
    assert binding["appealDays"] == 15

    # The appointed evaluator sees this engagement's cards; another evaluator nothing.
    assert set(cards(system, third, e.id)) == {"BINDING", "SELF"}
    assert cards(system, stranger, e.id) == {}
    hidden = system.api.gql(CARD, {"id": binding["id"]}, stranger)
    assert hidden["data"]["scorecard"] is None

    # The agency does not grade itself: its evaluator is refused on the binding card,
    # and the card is unchanged.
    refused = gql.run(
        system.api,
        gql.SCORE,
        agency_evaluator,
        input={"scorecardId": binding["id"], "itemCode": "一.1", "points": "5",
               "justification": "自评"},
    )  # fmt: skip
    assert (refused["__typename"], refused["reason"]) == ("NotAuthorized", "PERMISSION_DENIED")
    assert gql.run(system.api, CARD, e.client, id=binding["id"])["scores"] == []

    score_all(system, e.client, binding["id"], less=0)
    partial = gql.run(system.api, CARD, e.client, id=binding["id"])
    assert partial["total"] == "0.00"  # no item has both parties' points yet
    score_all(system, third, binding["id"], less=3)
    # Each item: 0.6 × max + 0.4 × (max − 3) = max − 1.2; 22 items: 100 − 26.4.
    pending = gql.run(system.api, FINALIZE, e.client, input={"scorecardId": binding["id"]})
    assert pending["__typename"] == "SelfAssessmentPending", pending

    # The agency's self-assessment: its own card, never mixed into the binding one.
    score_all(system, agency_evaluator, own["id"], less=0)
    done = gql.run(system.api, FINALIZE, agency_evaluator, input={"scorecardId": own["id"]})
    assert (done["scorecard"]["status"], done["scorecard"]["total"]) == ("FINALIZED", "100.00")

    final = gql.run(system.api, FINALIZE, e.client, input={"scorecardId": binding["id"]})
    assert final["__typename"] == "ScorecardSuccess", final
    assert (final["scorecard"]["total"], final["scorecard"]["grade"]) == ("73.60", "GOOD")
    seen = gql.run(system.api, CARD, e.client, id=binding["id"])
    assert seen["settlement"] == {"percent": "90.00", "amount": "108000.00", "currency": "CNY"}
    assert {s["party"] for s in seen["scores"]} == {"CLIENT", "THIRD_PARTY"}
    by_agency = cards(system, e.manager, e.id)
    assert by_agency["BINDING"]["settlement"] == seen["settlement"]
    assert by_agency["SELF"]["settlement"] is None  # a self-assessment pays nothing
    assert gql.run(system.api, CARD, regulator, id=binding["id"])["settlement"] is None
    # Exported with the C.1 table, for the fee terms' readers only.
    assert settlement_row(system, e.client, binding["id"]) == ["按效果付费", "90.00%", 108000]
    assert settlement_row(system, regulator, binding["id"]) is None

    assert eventually(lambda: e.state()["stage"] == "CLOSED")
    latest = system.api.gql(
        "query($id: ID!) { engagement(id: $id) { latestScorecard { kind total } } }",
        {"id": e.id},
        e.manager,
    )["data"]["engagement"]["latestScorecard"]
    assert latest == {"kind": "BINDING", "total": "73.60"}  # the self-assessment is no result
    trace = e.traced("evaluation.scorecard_finalized.v1", times=2)
    assert "engagement.results_accepted.v1" in [t["eventType"] for t in trace]

    # 异议: the agency appeals within the period; the third party keeps the card, then
    # (second appeal) the client amends it: a new open version, the appealed one intact.
    def appeal(card: str) -> dict[str, Any]:
        return gql.run(
            system.api,
            APPEAL,
            e.manager,
            input={"scorecardId": card, "reasons": "二.2 巡查记录齐全"},
        )

    def answer(tok: str, appeal_id: str, decision: str) -> dict[str, Any]:
        return gql.run(
            system.api,
            ANSWER,
            tok,
            input={"appealId": appeal_id, "decision": decision, "answer": "复核意见"},
        )

    assert appeal(own["id"])["__typename"] == "AppealNotAllowed"  # a self-assessment
    first = appeal(binding["id"])
    assert first["__typename"] == "ScorecardSuccess", first
    [raised] = first["scorecard"]["appeals"]
    assert (raised["reasons"], raised["decision"], raised["raisedBy"]) == (
        "二.2 巡查记录齐全",
        None,
        "pm",
    )
    assert appeal(binding["id"])["__typename"] == "AppealNotAllowed"  # one open at a time
    refused_answer = answer(e.manager, raised["id"], "KEEP")
    assert refused_answer["__typename"] == "NotAuthorized", refused_answer  # not a named party
    kept = answer(third, raised["id"], "KEEP")
    assert kept["scorecard"]["appeals"][0]["decision"] == "KEEP"
    assert kept["scorecard"]["status"] == "FINALIZED"
    second = appeal(binding["id"])["scorecard"]["appeals"][1]
    amended = answer(e.client, second["id"], "AMEND")
    assert amended["__typename"] == "ScorecardSuccess", amended
    new = amended["scorecard"]
    assert (new["version"], new["status"], new["amendmentReason"]) == (2, "OPEN", "复核意见")
    old = gql.run(system.api, CARD_APPEALS, e.client, id=binding["id"])
    assert old["status"] == "SUPERSEDED"
    assert old["appeals"][1]["amendedScorecardId"] == new["id"]
    traced = [t["eventType"] for t in e.traced("evaluation.appeal_answered.v1", times=2)]
    assert traced.count("evaluation.appeal_raised.v1") == 2

    # R7.2-fraud: a regulator finds the agency falsified; the disclosure names the party
    # found and the regulator's role, never the person who decided.
    falsified = gql.run(
        system.api,
        gql.FALSIFY,
        regulator,
        input={
            "scorecardId": new["id"],
            "party": "某环保管家服务有限公司",
            "finding": "伪造巡查记录",
            "evidence": [{"kind": "DOCUMENT", "ref": "稽查-2028-01"}],
        },
    )
    assert falsified["__typename"] == "ScorecardSuccess", falsified
    assert (falsified["scorecard"]["total"], falsified["scorecard"]["grade"]) == (
        "0.00",
        "UNQUALIFIED",
    )
    disclosures = gql.run(system.api, gql.DISCLOSURES, None)["edges"]
    [mine] = [d["node"] for d in disclosures if d["node"]["finding"] == "伪造巡查记录"]
    assert (mine["party"], mine["decidedAs"]) == ("某环保管家服务有限公司", "regulator")
    assert "reg-gd" not in str(mine)
