"""NATS requests per GraphQL query grow with its depth, not with its rows.

Counted at the NATS server (its monitoring endpoint's per-connection `in_msgs` for
the connection named "gateway"): every request the gateway sends is one message
in, so nothing in the gateway has to be trusted to count itself.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import httpx
import pytest

from kit.ids import new_id
from tests.e2e.harness import RunningSystem, eventually, token
from tests.evaluation.gql import open_for

AGENCY = str(new_id())
ADMIN = token(f"agency:{AGENCY}", "agency_admin")
ROWS = 20

# Depth: the page (1 request), then per level of references one batched request
# each for units, traces, registrations and workflows.
DASHBOARD = """
query($n: Int!) {
  engagements(first: $n) {
    totalCount
    edges { node {
      id stage evaluationRegistered
      unit { name uscc }
      trace { seq eventType }
      listItems { catalogueCode }
      team { name }
    } }
  }
}"""


def gateway_messages(system: RunningSystem) -> int:
    assert system.stack.nats is not None
    url = system.stack.nats.monitor_url + "/connz"
    conns: list[dict[str, Any]] = httpx.get(url, params={"limit": 1024}).json()["connections"]
    return sum(c["in_msgs"] for c in conns if c.get("name") == "gateway")


def requests_for(system: RunningSystem, query: str, variables: dict[str, Any]) -> int:
    before = gateway_messages(system)
    body = system.api.gql(query, variables, ADMIN)
    assert "errors" not in body, body
    return gateway_messages(system) - before


@pytest.fixture(scope="module")
def engagements(system: RunningSystem) -> list[str]:
    unit = system.api.create_unit(ADMIN, name="计数单位")["unit"]
    ids = [system.api.create_engagement(ADMIN, unit["id"])["engagement"]["id"] for _ in range(ROWS)]
    for id_ in ids:
        eventually(partial(system.api.settled, ADMIN, id_))
    return ids


def test_requests_grow_with_depth_not_rows(system: RunningSystem, engagements: list[str]):
    one = requests_for(system, DASHBOARD, {"n": 1})
    twenty = requests_for(system, DASHBOARD, {"n": ROWS})
    shallow = requests_for(
        system, "query($n: Int!) { engagements(first: $n) { totalCount } }", {"n": ROWS}
    )
    assert one == twenty, (one, twenty)
    assert shallow == 1
    # page + units + traces + registrations + workflows
    assert twenty == 5


def test_nodes_batch_ids_of_one_type_into_one_request(
    system: RunningSystem, engagements: list[str]
):
    query = "query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Engagement { unit { name } } } }"
    assert requests_for(system, query, {"ids": engagements[:1]}) == requests_for(
        system, query, {"ids": engagements}
    )


SCORECARDS = """
query($n: Int!) {
  scorecards(first: $n) { edges { node { id total grade %s } } }
}"""


def test_scorecard_items_cost_one_batched_request_whatever_the_rows(
    system: RunningSystem, engagements: list[str]
):
    evaluator = token(f"agency:{AGENCY}", "evaluator")
    for id_ in engagements:
        opened = open_for(system.api, evaluator, id_)
        assert opened["__typename"] == "ScorecardSuccess", opened
    headers = SCORECARDS % ""
    items = SCORECARDS % "evaluators results { itemCode points } deductions { points }"
    # Lists carry headers only: the page is one request, its items one more.
    assert requests_for(system, headers, {"n": 1}) == requests_for(system, headers, {"n": ROWS})
    assert requests_for(system, headers, {"n": ROWS}) == 1
    assert requests_for(system, items, {"n": 1}) == requests_for(system, items, {"n": ROWS}) == 2
    # What the second request brings is each card's own: 22 scored items of table
    # C.1 in table order, nothing scored or deducted yet.
    body = system.api.gql(items, {"n": ROWS}, ADMIN)
    assert "errors" not in body, body
    cards = [e["node"] for e in body["data"]["scorecards"]["edges"]]
    assert len(cards) == ROWS
    for card in cards:
        assert [r["itemCode"] for r in card["results"]][:3] == ["一.1", "一.2", "一.3"]
        assert len(card["results"]) == 22
        assert all(r["points"] is None for r in card["results"])
        assert (card["evaluators"], card["deductions"], card["total"]) == ([], [], "0.00")


LATEST = """
query($n: Int!) {
  engagements(first: $n) {
    edges { node { id latestScorecard { id periodLabel total grade } } }
  }
}"""


def test_latest_scorecards_cost_one_batched_request_and_need_the_permission(
    system: RunningSystem, engagements: list[str]
):
    evaluator = token(f"agency:{AGENCY}", "evaluator")
    opened = {}
    for id_ in engagements:
        card = open_for(system.api, evaluator, id_)  # idempotent per period
        assert card["__typename"] == "ScorecardSuccess", card
        opened[id_] = card["scorecard"]["id"]
    # The page, then one request for every row's latest scorecard.
    shallow = requests_for(
        system, LATEST.replace("latestScorecard { id periodLabel total grade }", ""), {"n": ROWS}
    )
    assert (
        requests_for(system, LATEST, {"n": 1})
        == requests_for(system, LATEST, {"n": ROWS})
        == shallow + 1
    )

    body = system.api.gql(LATEST, {"n": ROWS}, ADMIN)
    assert "errors" not in body, body
    nodes = [e["node"] for e in body["data"]["engagements"]["edges"]]
    assert {n["id"]: n["latestScorecard"]["id"] for n in nodes} == opened
    assert {
        (n["latestScorecard"]["periodLabel"], n["latestScorecard"]["grade"]) for n in nodes
    } == {("2027", "UNQUALIFIED")}
    # An engineer reads the engagements but not scorecards: null, and no request made.
    engineer = token(f"agency:{AGENCY}", "engineer")
    seen = system.api.gql(LATEST, {"n": ROWS}, engineer)
    assert "errors" not in seen, seen
    assert {e["node"]["latestScorecard"] is None for e in seen["data"]["engagements"]["edges"]} == {
        True
    }
