"""Figure 1 end to end across the three services: agreement → preparation →
implementation → results → evaluation (the scorecard opens by itself from the stage
change) → finalised evaluation → the engagement closes by itself (R4.2.5)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from kit.ids import new_id
from services.evaluation.templates import standard_c1
from tests.archive import handover_api
from tests.e2e.harness import RunningSystem, eventually, token
from tests.engagement.workflow_client import new_engagement, prepare
from tests.evaluation import gql

SCORED = [i for p in standard_c1().parts if p.kind == "scored" for i in p.items]
CARDS = "query($e: ID!) { scorecards(engagementId: $e) { edges { node { id status } } } }"


def test_R4_2_5_evaluation_opens_from_the_handover_and_its_finalisation_closes_the_engagement(
    system: RunningSystem,
):
    agency = str(new_id())
    e = new_engagement(system.api, agency)
    evaluator = token(f"agency:{agency}", "evaluator", user="eva-li")
    item = prepare(e, quantity=1)
    e.ok("signContract", signedOn="2027-01-10")
    e.ok("recordInspection", e.engineer, performedOn="2027-03-01", problemsFound=0,
         rectificationPlans=0, listItemId=item)  # fmt: skip
    e.ok("finishListItem", itemId=item)
    e.ok("completeImplementation")
    delivered = [d["id"] for d in handover_api.deliverables(system.api, e.manager, e.id)]
    handed = e.ok("handOver", handedOverOn="2027-12-20", deliverables=delivered,
                  waivers=handover_api.WAIVERS)  # fmt: skip
    assert handed == "EVALUATION"

    def opened() -> list[dict[str, Any]]:
        edges = system.api.gql(CARDS, {"e": e.id}, evaluator)["data"]["scorecards"]["edges"]
        return [edge["node"] for edge in edges]

    [card] = eventually(opened)
    assert card["status"] == "OPEN"
    for entry in SCORED:
        scored = gql.run(
            system.api,
            gql.SCORE,
            evaluator,
            input={
                "scorecardId": card["id"],
                "itemCode": entry.code,
                "points": str(Decimal(str(entry.max_points))),
                "justification": "核查",
                "overrideReason": "按现场核查",
            },
        )
        assert scored["__typename"] == "ScorecardSuccess", scored
    final = gql.run(system.api, gql.FINALIZE, evaluator, input={"scorecardId": card["id"]})
    assert final["scorecard"]["status"] == "FINALIZED"

    assert eventually(lambda: e.state()["stage"] == "CLOSED")
    trace = e.traced("engagement.stage_changed.v1", times=4)
    assert "evaluation.scorecard_finalized.v1" in [t["eventType"] for t in trace]
