"""A park (园区) client's people end to end through GraphQL on the real system, on SQLite
and PostgreSQL (issue 14): the park is the 委托方 of one engagement covering three units;
its admin decides the plan, accepts the results (R4.2.5), scores where the contract names
the client as evaluator (R7.1) and sees the scorecard with its settlement (R3), the
handed-over archive items and the covered units' calendar. Another park's people see none
of it: every object reads as not found."""

from __future__ import annotations

from typing import Any

import pytest

from kit.ids import new_id
from tests.archive.archive_api import DOWNLOAD, tok
from tests.e2e.harness import RunningSystem, eventually, token
from tests.e2e.test_compliance_calendar import CALENDAR, MY_WORK, REGISTER, add_months, today
from tests.engagement.test_acceptance import hand_over
from tests.engagement.test_client_engagements import _client
from tests.engagement.test_unit_registry import uuid_of
from tests.engagement.workflow_client import Engagement, prepare
from tests.evaluation import gql
from tests.evaluation.test_parties import SCORED

CREATE = """mutation($input: CreateEngagementInput!) { createEngagement(input: $input) {
  __typename ... on CreateEngagementSuccess { engagement { id } } ... on Error { code } } }"""
CARDS = """query($e: ID!) { scorecards(engagementId: $e) { edges { node {
  id kind status total grade settlement { percent amount currency } } } } }"""
CARD = "query($id: ID!) { scorecard(id: $id) { id status grade } }"
ITEMS = """query($e: ID!) { archiveItems(engagementId: $e, first: 50) {
  edges { node { id title handedOver } } } }"""
ITEM = "query($id: ID!) { archiveItem(id: $id) { id title } }"
HANDOVERS = "query($e: ID!) { handovers(engagementId: $e) { id } }"
FEES = {"amount": "100000.00", "basis": "on_results", "payByResults": {"rule": "BY_GRADE"}}


def _data(body: dict[str, Any], name: str) -> Any:
    assert "errors" not in body, body
    return body["data"][name]


def _park_engagement(
    system: RunningSystem, kind: str = "PARK", **fields: Any
) -> tuple[Engagement, list[dict[str, Any]], str]:
    """An agency, three units, a park as the client of one engagement covering them, the
    contract naming the client as evaluator; the engagement as its people see it, with
    the park's admin as its client."""
    agency = str(new_id())
    admin = token(f"agency:{agency}", "agency_admin")
    names = ["园区甲化工有限公司", "园区乙印染有限公司", "园区丙电镀有限公司"]
    units = [system.api.create_unit(admin, name=n)["unit"] for n in names]
    park = _client(system, admin, kind, "苏州某工业园区管委会")
    made = _data(
        system.api.gql(
            CREATE,
            {
                "input": {
                    "unitId": units[0]["id"],
                    "clientId": park["id"],
                    "coveredUnitIds": [u["id"] for u in units[1:]],
                    "serviceModes": ["FIXED_RESIDENT"],
                    "periodStart": "2027-01-01",
                    "periodEnd": "2027-12-31",
                    "assessment": {"parties": [{"kind": "CLIENT"}]},
                    "feeTerms": FEES,
                    **fields,
                }
            },
            admin,
        ),
        "createEngagement",
    )
    assert made["__typename"] == "CreateEngagementSuccess", made
    engagement_id = made["engagement"]["id"]
    eventually(lambda: system.api.settled(admin, engagement_id))
    e = Engagement(system.api, agency, engagement_id, uuid_of(units[0]["id"]))
    e.client = token(f"client:{park['id']}", "client_admin", user="park-admin")
    return e, units, park["id"]


def _cards(system: RunningSystem, tok: str, engagement: str) -> list[dict[str, Any]]:
    edges = _data(system.api.gql(CARDS, {"e": engagement}, tok), "scorecards")["edges"]
    return [edge["node"] for edge in edges]


def _register_permit(system: RunningSystem, e: Engagement, unit: dict[str, Any]) -> None:
    valid_to = add_months(today(), 15).replace(day=1)
    permit = {
        "unitId": unit["id"],
        "number": f"91320500MA1{new_id().hex[-6:]}001P",
        "authority": "苏州市生态环境局",
        "category": "KEY",
        "validFrom": "2025-01-01",
        "validTo": valid_to.isoformat(),
        "outlets": ["DW001"],
    }

    def registered() -> bool:
        result = _data(system.api.gql(REGISTER, {"input": permit}, e.manager), "registerPermit")
        return bool(result["__typename"] == "PermitSuccess")

    eventually(registered)


def _calendar(system: RunningSystem, tok: str, unit: str | None = None) -> set[str]:
    """The units whose dates this caller sees (of the first page)."""
    page = _data(system.api.gql(CALENDAR, {"unit": unit, "first": 100}, tok), "complianceCalendar")
    return {edge["node"]["id"] for edge in page["edges"]}


def test_R4_2_5_R7_1_R3_a_park_admin_accepts_scores_and_sees_its_engagement_others_see_nothing(
    system: RunningSystem,
):
    e, units, park = _park_engagement(system)
    viewer = token(f"client:{park}", "client_viewer", user="park-viewer")
    other_park = token(f"client:{new_id()}", "client_admin", user="other-park")

    # The covered units' calendar: a permit of the second unit puts its reports on it.
    _register_permit(system, e, units[1])
    agency_dates = eventually(lambda: _calendar(system, e.manager, units[1]["id"]))
    assert eventually(lambda: _calendar(system, viewer, units[1]["id"]) == agency_dates)
    assert _calendar(system, other_park, units[1]["id"]) == set()
    assert _calendar(system, other_park) == set()
    # A unit the park's engagement does not cover: not the park's calendar.
    stranger = system.api.create_unit(e.manager, name="园区外某企业")["unit"]
    _register_permit(system, e, stranger)
    eventually(lambda: _calendar(system, e.manager, stranger["id"]))
    assert _calendar(system, viewer, stranger["id"]) == set()

    # The plan waits for the park's admin in its work; the park decides it (prepare).
    item = prepare(e, quantity=1)
    e.ok("signContract", signedOn="2027-01-10")
    e.ok("finishListItem", itemId=item)
    e.ok("completeImplementation")
    assert hand_over(system, e, "2027-12-20") == "RESULTS"
    # Another park may not accept: the engagement is not found for it, nothing changes.
    refused = e.step("decideResults", other_park, accept=True, decidedOn="2027-12-28")
    assert refused["__typename"] == "EngagementNotFound", refused
    assert e.state()["stage"] == "RESULTS"
    assert e.ok("decideResults", e.client, accept=True, decidedOn="2027-12-28") == "EVALUATION"

    # The archive: the handed-over deliverables (internal, 内部), for the park as for the
    # unit, each cleared for that level; another park's admin, cleared as well, sees none.
    unit_viewer = tok(f"unit:{e.unit}", "client_viewer", "unit-viewer", clearance=1)
    viewer = tok(f"client:{park}", "client_viewer", "park-viewer", clearance=1)
    other_park = tok(f"client:{new_id()}", "client_admin", "other-park", clearance=1)

    def handed_over(tok: str) -> list[str]:
        edges = _data(system.api.gql(ITEMS, {"e": e.id}, tok), "archiveItems")["edges"]
        return sorted(edge["node"]["id"] for edge in edges if edge["node"]["handedOver"])

    delivered = eventually(lambda: handed_over(unit_viewer))
    assert len(delivered) == 2
    assert handed_over(viewer) == delivered
    assert (
        _data(system.api.gql(ITEM, {"id": delivered[0]}, viewer), "archiveItem")["id"]
        == (delivered[0])
    )
    assert len(_data(system.api.gql(HANDOVERS, {"e": e.id}, viewer), "handovers")) == 1
    url = _data(
        system.api.gql(DOWNLOAD, {"i": {"itemId": delivered[0]}}, viewer), "issueDownloadUrl"
    )
    assert url["__typename"] == "DownloadUrlSuccess", url
    assert handed_over(other_park) == []
    hidden = _data(
        system.api.gql(DOWNLOAD, {"i": {"itemId": delivered[0]}}, other_park), "issueDownloadUrl"
    )
    assert hidden["__typename"] == "ArchiveItemNotFound", hidden
    assert _data(system.api.gql(ITEM, {"id": delivered[0]}, other_park), "archiveItem") is None
    assert _data(system.api.gql(HANDOVERS, {"e": e.id}, other_park), "handovers") == []

    # The binding card: the park's admin scores it, as the contract names the client.
    cards = eventually(lambda: _cards(system, e.client, e.id))
    assert sorted(c["kind"] for c in cards) == ["BINDING", "SELF"], cards
    [card] = [c for c in cards if c["kind"] == "BINDING"]
    assert _cards(system, other_park, e.id) == []
    assert _data(system.api.gql(CARD, {"id": card["id"]}, other_park), "scorecard") is None
    denied = gql.run(
        system.api,
        gql.SCORE,
        other_park,
        input={"scorecardId": card["id"], "itemCode": SCORED[0].code, "points": "1",
               "justification": "越权"},
    )  # fmt: skip
    assert denied["__typename"] in ("ScorecardNotFound", "NotAuthorized"), denied
    # A viewer of the park may read but not score.
    refused_viewer = gql.run(
        system.api,
        gql.SCORE,
        viewer,
        input={"scorecardId": card["id"], "itemCode": SCORED[0].code, "points": "1",
               "justification": "无权评分"},
    )  # fmt: skip
    assert (refused_viewer["__typename"], refused_viewer["reason"]) == (
        "NotAuthorized",
        "PERMISSION_DENIED",
    )
    for item_def in SCORED:
        scored = gql.run(
            system.api,
            gql.SCORE,
            e.client,
            input={
                "scorecardId": card["id"],
                "itemCode": item_def.code,
                "points": str(item_def.max_points),
                "justification": "园区考核",
                "overrideReason": "园区考核",
            },
        )
        assert scored["__typename"] == "ScorecardSuccess", (item_def.code, scored)
    final = gql.run(system.api, gql.FINALIZE, e.client, input={"scorecardId": card["id"]})
    assert final["__typename"] == "ScorecardSuccess", final
    [seen] = [c for c in _cards(system, viewer, e.id) if c["kind"] == "BINDING"]
    assert (seen["status"], seen["total"], seen["grade"]) == ("FINALIZED", "100.00", "EXCELLENT")
    assert seen["settlement"] == {"percent": "100.00", "amount": "100000.00", "currency": "CNY"}
    assert _cards(system, other_park, e.id) == []


@pytest.mark.parametrize(
    ("kind", "fields"),
    [("PARK", {}), ("REGION", {"resultsBasis": "ENVIRONMENT_IMPROVEMENT"})],
)
def test_R3_a_park_or_region_sees_the_plan_waiting_in_its_work_and_decides_it(
    system: RunningSystem, kind: str, fields: dict[str, str]
):
    e, units, park = _park_engagement(system, kind, **fields)
    other_park = token(f"client:{new_id()}", "client_admin", user="other-park")
    e.ok("addListItem", catalogueCode="6.1.5", scope="废水月度监测", expectedEffect="达标",
         target="每月一份报告", contractedQuantity=1, quantityUnit="inspection",
         dueDate="2027-12-31")  # fmt: skip
    e.ok("draftPlan", content="实施方案 v1")
    e.ok("submitPlan")

    def waiting(tok: str) -> list[str]:
        work = _data(
            system.api.gql(MY_WORK, {"kinds": ["PLAN_DECISION"], "engagement": e.id}, tok),
            "myWork",
        )
        return [edge["node"]["kind"] for edge in work["edges"]]

    assert eventually(lambda: waiting(e.client)) == ["PLAN_DECISION"]
    assert waiting(other_park) == []
    assert e.step("decidePlan", other_park, confirm=True)["__typename"] == "EngagementNotFound"
    e.ok("decidePlan", e.client, confirm=True)
    eventually(lambda: waiting(e.client) == [])
    # Its people read the engagement's units, another client's none of them.
    viewer = token(f"client:{park}", "client_viewer")
    listed = _data(system.api.gql("{ units(first: 20) { edges { node { id } } } }", None, viewer),
                   "units")["edges"]  # fmt: skip
    assert sorted(edge["node"]["id"] for edge in listed) == sorted(u["id"] for u in units)
