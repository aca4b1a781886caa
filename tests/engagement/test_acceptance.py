"""The agreement's assessment method (考核办法) and the client's acceptance (验收) after
the handover, through GraphQL on the real system (R4.2.5, R3.1-pay)."""

from __future__ import annotations

from typing import Any

from kit.ids import new_id
from services.evaluation.templates import standard_c1
from tests.archive import handover_api
from tests.e2e.harness import RunningSystem, eventually, token
from tests.engagement.workflow_client import INPUT_TYPES, Engagement, prepare
from tests.evaluation import gql as evaluation_gql
from tests.evaluation.gql import uuid_of

INPUT_TYPES.setdefault("decideResults", "DecideResultsInput")

CREATE = """mutation($input: CreateEngagementInput!) { createEngagement(input: $input) {
  __typename
  ... on CreateEngagementSuccess { engagement { id assessment { parties { kind weight
    evaluatorId } templateId periods selfAssessmentRequired appealDays }
    feeTerms { amount basis payByResults { rule gradePercent { excellent good qualified
      unqualified } rounding roundingMode } } } }
  ... on ValidationError { field message }
} }"""
ACCEPTANCE = "query($id: ID!) { engagement(id: $id) { stage handedOverOn resultsAcceptedOn } }"

THIRD = str(new_id())
PANEL = {
    "parties": [
        {"kind": "CLIENT", "weight": "0.6"},
        {"kind": "THIRD_PARTY", "weight": "0.4", "evaluatorId": THIRD},
    ],
    "periods": "ENGAGEMENT",
    "selfAssessmentRequired": True,
    "appealDays": 10,
}
ON_RESULTS = {"amount": "120000.00", "basis": "on_results", "payByResults": {"rule": "BY_GRADE"}}


SCORED_ITEMS = [i for p in standard_c1().parts if p.kind == "scored" for i in p.items]
YEAR_CARDS = """query($e: ID!) { scorecards(engagementId: $e) { edges { node {
  id kind periodLabel } } } }"""


def create(system: RunningSystem, agency: str, **fields: Any) -> dict[str, Any]:
    admin = token(f"agency:{agency}", "agency_admin")
    unit = system.api.create_unit(admin)["unit"]
    body = system.api.gql(
        CREATE,
        {
            "input": {
                "unitId": unit["id"],
                "serviceModes": ["FIXED_RESIDENT"],
                "periodStart": "2027-01-01",
                "periodEnd": "2027-12-31",
                **fields,
            }
        },
        admin,
    )
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]["createEngagement"]
    return result


def test_R4_2_5_the_agreement_records_its_assessment_method(system: RunningSystem):
    made = create(system, str(new_id()), assessment=PANEL, feeTerms=ON_RESULTS)
    assert made["__typename"] == "CreateEngagementSuccess", made
    engagement = made["engagement"]
    assert engagement["assessment"] == {
        "parties": [
            {"kind": "CLIENT", "weight": "0.6", "evaluatorId": None},
            {"kind": "THIRD_PARTY", "weight": "0.4", "evaluatorId": THIRD},
        ],
        "templateId": None,
        "periods": "ENGAGEMENT",
        "selfAssessmentRequired": True,
        "appealDays": 10,
    }
    assert engagement["feeTerms"]["payByResults"] == {
        "rule": "BY_GRADE",
        "gradePercent": {"excellent": "100", "good": "90", "qualified": "80", "unqualified": "0"},
        "rounding": "fen",
        "roundingMode": "half_up",
    }


def test_R4_2_5_a_wrong_assessment_method_is_refused_on_its_field(system: RunningSystem):
    agency = str(new_id())
    cases = [
        ({"parties": [{"kind": "CLIENT", "weight": "0.5"}]}, "assessment.parties"),
        (
            {"parties": [{"kind": "CLIENT", "weight": "0.5"}, {"kind": "CLIENT", "weight": "0.5"}]},
            "assessment.parties",
        ),
        ({"parties": [{"kind": "THIRD_PARTY"}]}, "assessment.parties.0.evaluatorId"),
        (
            {"parties": [{"kind": "REGULATOR", "evaluatorId": THIRD}]},
            "assessment.parties.0.evaluatorId",
        ),
    ]
    for method, field in cases:
        refused = create(system, agency, assessment=method)
        assert (refused["__typename"], refused["field"]) == ("ValidationError", field), method
    fixed = create(system, agency, feeTerms={"amount": "1", "basis": "fixed", "payByResults": {}})
    assert (fixed["__typename"], fixed["field"]) == ("ValidationError", "feeTerms.basis")


def created_with_method(
    system: RunningSystem, method: dict[str, Any] | None = None, **fields: Any
) -> Engagement:
    """An engagement whose agreement names an assessment method (the client by default)."""
    agency = str(new_id())
    made = create(system, agency, assessment=method or {"parties": [{"kind": "CLIENT"}]}, **fields)
    assert made["__typename"] == "CreateEngagementSuccess", made
    admin = token(f"agency:{agency}", "agency_admin")
    eventually(lambda: system.api.settled(admin, made["engagement"]["id"]))
    unit = system.api.gql(
        "query($id: ID!) { engagement(id: $id) { unit { id } } }",
        {"id": made["engagement"]["id"]},
        admin,
    )["data"]["engagement"]["unit"]["id"]
    return Engagement(system.api, agency, made["engagement"]["id"], uuid_of(unit))


def hand_over(system: RunningSystem, e: Engagement, on: str) -> str:
    delivered = [d["id"] for d in handover_api.deliverables(system.api, e.manager, e.id)]
    return e.ok("handOver", handedOverOn=on, deliverables=delivered, waivers=handover_api.WAIVERS)


def test_R4_2_5_acceptance_returns_then_accepts_and_only_then_evaluation_opens(
    system: RunningSystem,
):
    e = created_with_method(system)
    item = prepare(e, quantity=1)
    e.ok("signContract", signedOn="2027-01-10")
    e.ok("finishListItem", itemId=item)
    e.ok("completeImplementation")
    assert hand_over(system, e, "2027-12-20") == "RESULTS"  # waits for the client

    # Nobody but the client decides; a denied call changes nothing.
    denied = e.step("decideResults", accept=True, decidedOn="2027-12-21")
    assert (denied["__typename"], denied["reason"]) == ("NotAuthorized", "PERMISSION_DENIED")
    again = e.step(
        "handOver", handedOverOn="2027-12-21", deliverables=[], waivers=handover_api.WAIVERS
    )
    assert again["__typename"] in ("WorkflowConflict", "ValidationError"), again
    no_reasons = e.step("decideResults", e.client, accept=False, decidedOn="2027-12-21")
    assert (no_reasons["__typename"], no_reasons["field"]) == ("ValidationError", "reasons")
    state = system.api.gql(ACCEPTANCE, {"id": e.id}, e.manager)["data"]["engagement"]
    assert state == {"stage": "RESULTS", "handedOverOn": "2027-12-20", "resultsAcceptedOn": None}

    returned = e.ok(
        "decideResults", e.client, accept=False, decidedOn="2027-12-22", reasons="缺少监测报告原件"
    )
    assert returned == "RESULTS"
    state = system.api.gql(ACCEPTANCE, {"id": e.id}, e.manager)["data"]["engagement"]
    assert state == {"stage": "RESULTS", "handedOverOn": None, "resultsAcceptedOn": None}
    early = e.step("decideResults", e.client, accept=True, decidedOn="2027-12-23")
    assert early["__typename"] == "WorkflowConflict", early

    assert hand_over(system, e, "2027-12-26") == "RESULTS"
    assert e.ok("decideResults", e.client, accept=True, decidedOn="2027-12-28") == "EVALUATION"
    state = system.api.gql(ACCEPTANCE, {"id": e.id}, e.manager)["data"]["engagement"]
    assert state == {
        "stage": "EVALUATION",
        "handedOverOn": "2027-12-26",
        "resultsAcceptedOn": "2027-12-28",
    }
    trace = [t["eventType"] for t in e.traced("engagement.results_accepted.v1")]
    assert trace.count("engagement.handed_over.v1") == 2
    assert trace.count("engagement.results_returned.v1") == 1
    assert trace.index("engagement.results_returned.v1") < trace.index(
        "engagement.results_accepted.v1"
    )


def to_acceptance(system: RunningSystem, e: Engagement) -> str:
    """Through implementation and the handover to the client's acceptance."""
    item = prepare(e, quantity=1)
    e.ok("signContract", signedOn="2027-01-10")
    e.ok("finishListItem", itemId=item)
    e.ok("completeImplementation")
    hand_over(system, e, "2027-12-20")
    return e.ok("decideResults", e.client, accept=True, decidedOn="2027-12-28")


def test_R4_2_5_yearly_periods_close_the_engagement_at_the_last_binding_card(
    system: RunningSystem,
):
    """A two-year agreement evaluated yearly: finalising the first year's card leaves
    the engagement in evaluation; the second year's closes it."""
    e = created_with_method(
        system, {"parties": [{"kind": "CLIENT"}], "periods": "YEARLY"}, periodEnd="2028-12-31"
    )
    assert to_acceptance(system, e) == "EVALUATION"

    def binding_cards() -> list[dict[str, Any]] | None:
        body = system.api.gql(YEAR_CARDS, {"e": e.id}, e.client)
        assert "errors" not in body, body
        edges = body["data"]["scorecards"]["edges"]
        nodes = [edge["node"] for edge in edges if edge["node"]["kind"] == "BINDING"]
        return nodes if len(nodes) == 2 else None

    cards = sorted(eventually(binding_cards), key=lambda c: c["periodLabel"])
    assert [c["periodLabel"] for c in cards] == ["2027", "2028"]
    for n, card in enumerate(cards):
        for item in SCORED_ITEMS:
            scored = evaluation_gql.run(
                system.api,
                evaluation_gql.SCORE,
                e.client,
                input={
                    "scorecardId": card["id"],
                    "itemCode": item.code,
                    "points": str(item.max_points),
                    "justification": "年度考核",
                    "overrideReason": "年度考核",
                },
            )
            assert scored["__typename"] == "ScorecardSuccess", scored
        final = evaluation_gql.run(
            system.api, evaluation_gql.FINALIZE, e.client, input={"scorecardId": card["id"]}
        )
        assert final["__typename"] == "ScorecardSuccess", final
        if n == 0:
            # The archive traces the finalisation; the engagement must not have closed.
            e.traced("evaluation.scorecard_finalized.v1")
            assert e.state()["stage"] == "EVALUATION"
    eventually(lambda: e.state()["stage"] == "CLOSED")
    # Closed by the second year's card: after both finalisations in the trace.
    order = [t["eventType"] for t in e.traced("engagement.stage_changed.v1", times=4)]
    finalised = [i for i, kind in enumerate(order) if kind == "evaluation.scorecard_finalized.v1"]
    assert len(finalised) == 2
    assert order.index("engagement.stage_changed.v1", finalised[0]) > finalised[1]
