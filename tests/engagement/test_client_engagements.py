"""Clients that are not one unit (issue 14 part 2), through GraphQL on the real system, on
SQLite and PostgreSQL: an industrial park (园区) as the 委托方 of one engagement covering
three units, seen by the park's own people (tenant `client:<id>`); a regional (区域/流域)
engagement scored on the environment's improvement (C 三.1); single-unit engagements as
before (R3: the parties; R4.2.1: the agreement)."""

from __future__ import annotations

from typing import Any

from kit.ids import new_id
from tests.e2e.harness import RunningSystem, token
from tests.engagement.test_unit_registry import uuid_of

CREATE_CLIENT = """
mutation($input: CreateClientInput!) {
  createClient(input: $input) {
    __typename
    ... on CreateClientSuccess { client { id kind name regionCode agencyId } }
    ... on Error { code }
    ... on ValidationError { field }
  }
}"""
CREATE_ENGAGEMENT = """
mutation($input: CreateEngagementInput!) {
  createEngagement(input: $input) {
    __typename
    ... on CreateEngagementSuccess { engagement { id resultsBasis } }
    ... on Error { code }
    ... on ValidationError { field }
    ... on UnitNotFound { field }
  }
}"""
ENGAGEMENT = """
query($id: ID!) {
  engagement(id: $id) {
    id resultsBasis unit { name }
    client { id kind name }
    coveredUnits { id name }
  }
}"""
ENGAGEMENTS = "{ engagements(first: 20) { edges { node { id } } } }"
UNITS = "{ units(first: 20) { edges { node { name } } } }"


def _data(body: dict[str, Any], name: str) -> Any:
    assert "errors" not in body, body
    return body["data"][name]


def _client(system: RunningSystem, tok: str, kind: str, name: str) -> dict[str, Any]:
    made = _data(
        system.api.gql(
            CREATE_CLIENT, {"input": {"kind": kind, "name": name, "regionCode": "320506"}}, tok
        ),
        "createClient",
    )
    assert made["__typename"] == "CreateClientSuccess", made
    client: dict[str, Any] = made["client"]
    return client


def _engage(system: RunningSystem, tok: str, **fields: Any) -> dict[str, Any]:
    data = {
        "serviceModes": ["ROVING"],
        "periodStart": "2027-01-01",
        "periodEnd": "2027-12-31",
        **fields,
    }
    result: dict[str, Any] = _data(
        system.api.gql(CREATE_ENGAGEMENT, {"input": data}, tok), "createEngagement"
    )
    return result


def test_R3_a_park_is_the_client_of_one_engagement_covering_three_units(system: RunningSystem):
    agency = str(new_id())
    pm = token(f"agency:{agency}", "agency_admin")
    names = ["园区甲化工有限公司", "园区乙印染有限公司", "园区丙电镀有限公司"]
    units = [system.api.create_unit(pm, name=n)["unit"] for n in names]
    park = _client(system, pm, "PARK", "苏州某工业园区管委会")
    assert (park["kind"], park["regionCode"], park["agencyId"]) == ("PARK", "320506", agency)

    made = _engage(
        system,
        pm,
        unitId=units[0]["id"],
        clientId=park["id"],
        coveredUnitIds=[u["id"] for u in units[1:]],
    )
    assert made["__typename"] == "CreateEngagementSuccess", made
    assert made["engagement"]["resultsBasis"] == "UNITS"
    engagement_id = made["engagement"]["id"]
    seen = _data(system.api.gql(ENGAGEMENT, {"id": engagement_id}, pm), "engagement")
    assert seen["client"] == {"id": park["id"], "kind": "PARK", "name": "苏州某工业园区管委会"}
    assert sorted(u["name"] for u in seen["coveredUnits"]) == sorted(names)

    # The park's own people see the engagement and its three units, nothing else.
    park_viewer = token(f"client:{park['id']}", "client_viewer")
    theirs = _data(system.api.gql(ENGAGEMENT, {"id": engagement_id}, park_viewer), "engagement")
    assert theirs["client"]["name"] == "苏州某工业园区管委会"
    assert sorted(u["name"] for u in theirs["coveredUnits"]) == sorted(names)
    listed = _data(system.api.gql(ENGAGEMENTS, None, park_viewer), "engagements")["edges"]
    assert [e["node"]["id"] for e in listed] == [engagement_id]
    visible = _data(system.api.gql(UNITS, None, park_viewer), "units")["edges"]
    assert sorted(e["node"]["name"] for e in visible) == sorted(names)
    # Another park sees none of it; each covered unit sees the engagement covering it.
    other_park = token(f"client:{new_id()}", "client_viewer")
    assert _data(system.api.gql(ENGAGEMENT, {"id": engagement_id}, other_park), "engagement") is (
        None
    )
    assert _data(system.api.gql(ENGAGEMENTS, None, other_park), "engagements")["edges"] == []
    covered = token(f"unit:{uuid_of(units[2]['id'])}", "client_viewer")
    assert (
        _data(system.api.gql(ENGAGEMENT, {"id": engagement_id}, covered), "engagement")["id"]
        == engagement_id
    )

    # A unit the agency has no link to cannot be covered; nor without a client.
    stranger = system.api.create_unit(token(f"agency:{new_id()}", "agency_admin"))["unit"]
    refused = _engage(
        system, pm, unitId=units[0]["id"], clientId=park["id"], coveredUnitIds=[stranger["id"]]
    )
    assert (refused["__typename"], refused["field"]) == ("UnitNotFound", "coveredUnitIds")
    clientless = _engage(system, pm, unitId=units[0]["id"], coveredUnitIds=[units[1]["id"]])
    assert (clientless["__typename"], clientless["field"]) == ("ValidationError", "coveredUnitIds")
    # Another agency's client is no client of yours.
    other_pm = token(f"agency:{new_id()}", "agency_admin")
    own_unit = system.api.create_unit(other_pm)["unit"]
    foreign = _engage(system, other_pm, unitId=own_unit["id"], clientId=park["id"])
    assert foreign["__typename"] == "ClientNotFound"

    # A single-unit engagement is as simple as before: no client, its unit covered.
    single = system.api.create_engagement(pm, units[1]["id"])
    assert single["__typename"] == "CreateEngagementSuccess"
    plain = _data(system.api.gql(ENGAGEMENT, {"id": single["engagement"]["id"]}, pm), "engagement")
    assert plain["client"] is None
    assert [u["name"] for u in plain["coveredUnits"]] == [names[1]]


def test_R3_a_regional_engagement_is_scored_on_environment_improvement(system: RunningSystem):
    agency = str(new_id())
    pm = token(f"agency:{agency}", "agency_admin")
    units = [system.api.create_unit(pm, name=f"流域企业{i}")["unit"] for i in range(2)]
    basin = _client(system, pm, "REGION", "太湖某流域治理办公室")
    made = _engage(
        system,
        pm,
        unitId=units[0]["id"],
        clientId=basin["id"],
        coveredUnitIds=[units[1]["id"]],
        resultsBasis="ENVIRONMENT_IMPROVEMENT",
    )
    assert made["__typename"] == "CreateEngagementSuccess", made
    assert made["engagement"]["resultsBasis"] == "ENVIRONMENT_IMPROVEMENT"
    # Only a region's engagement is scored so: a park's, or one without a client, is not.
    park = _client(system, pm, "PARK", "某园区")
    for fields in ({"clientId": park["id"]}, {}):
        refused = _engage(
            system, pm, unitId=units[0]["id"], resultsBasis="ENVIRONMENT_IMPROVEMENT", **fields
        )
        assert (refused["__typename"], refused["field"]) == ("ValidationError", "resultsBasis")
    # The regulator of the region reads the client.
    regulator = token("region:44", "regulator")
    found = _data(
        system.api.gql(ENGAGEMENT, {"id": made["engagement"]["id"]}, regulator), "engagement"
    )
    assert found["client"] is None  # the client's area (3205…) is not the regulator's (44)
    local = token("region:3205", "regulator")
    assert _data(system.api.gql("query($id: ID!) { client(id: $id) { name } }",
                                {"id": basin["id"]}, local), "client") == {
        "name": "太湖某流域治理办公室"
    }  # fmt: skip
