"""One unit registry with links made by consent (issue 14 part 2), through GraphQL on the
real system, on SQLite and PostgreSQL: a second agency proposes by USCC and learns
nothing until the unit accepts; a unit registers itself and invites an agency; an
ended link leaves the agency its engagements, read-only (R3: the parties; R4.2.1: the
agreement between agency and unit)."""

from __future__ import annotations

import base64
from typing import Any

from kit.ids import new_id
from tests.e2e.harness import RunningSystem, new_uscc, token

REQUEST_FIELDS = "id direction status uscc agencyId note reason unit { id name }"
PROPOSE = f"""
mutation($input: ProposeEngagementInput!) {{
  proposeEngagement(input: $input) {{
    __typename
    ... on UnitLinkRequestSuccess {{ request {{ {REQUEST_FIELDS} }} }}
    ... on Error {{ code }}
  }}
}}"""
REQUESTS = f"""
query($status: LinkRequestStatus) {{
  unitLinkRequests(status: $status) {{ {REQUEST_FIELDS} }}
}}"""
MUTATION_OF = {
    "accept": "acceptUnitLinkRequest",
    "decline": "declineUnitLinkRequest",
    "withdraw": "withdrawUnitLinkRequest",
}


def decision(how: str) -> str:
    return f"""
mutation($input: LinkRequestDecisionInput!) {{
  {how}: {MUTATION_OF[how]}(input: $input) {{
    __typename
    ... on UnitLinkRequestSuccess {{ request {{ {REQUEST_FIELDS} }} }}
    ... on Error {{ code }}
  }}
}}"""


END_LINK = """
mutation($input: EndUnitLinkInput!) {
  endUnitLink(input: $input) {
    __typename
    ... on EndUnitLinkSuccess { link { agencyId status via endedAt } }
    ... on Error { code }
  }
}"""
LINKS = "{ unitLinks { agencyId status via unit { id } } }"
UNIT = "query($id: ID!) { unit(id: $id) { id name profile { legalRepresentative } } }"
REGISTER_OWN = """
mutation($input: RegisterOwnUnitInput!) {
  registerOwnUnit(input: $input) {
    __typename
    ... on RegisterOwnUnitSuccess { unit { id name uscc } }
    ... on Error { code }
  }
}"""
INVITE = f"""
mutation($input: InviteAgencyInput!) {{
  inviteAgency(input: $input) {{
    __typename
    ... on UnitLinkRequestSuccess {{ request {{ {REQUEST_FIELDS} }} }}
    ... on Error {{ code }}
  }}
}}"""
REGISTER_AGENCY = """
mutation($input: RegisterAgencyInput!) {
  registerAgency(input: $input) { __typename }
}"""
ACT_ADD_ITEM = """
mutation($id: ID!) {
  addListItem(input: {engagementId: $id, catalogueCode: "6.1.5", scope: "全厂",
    expectedEffect: "达标", target: "月度监测"}) {
    __typename
    ... on Error { code }
  }
}"""
PROFILE = """
mutation($id: ID!) {
  updateUnitProfile(input: {unitId: $id, legalRepresentative: "李四"}) {
    __typename
  }
}"""


def _data(body: dict[str, Any], name: str) -> Any:
    assert "errors" not in body, body
    return body["data"][name]


def uuid_of(global_id: str) -> str:
    return base64.b64decode(global_id).decode().split(":", 1)[1]


def decide(system: RunningSystem, tok: str, how: str, request_id: str, reason: str | None = None):
    variables = {"input": {"requestId": request_id, "reason": reason}}
    return _data(system.api.gql(decision(how), variables, tok), how)


def propose(system: RunningSystem, tok: str, uscc: str) -> dict[str, Any]:
    body = system.api.gql(PROPOSE, {"input": {"uscc": uscc, "note": "托管服务提议"}}, tok)
    answer = _data(body, "proposeEngagement")
    assert answer["__typename"] == "UnitLinkRequestSuccess", answer
    request: dict[str, Any] = answer["request"]
    return request


def _shape(request: dict[str, Any]) -> dict[str, Any]:
    """What a proposing agency may compare between two answers: all but id and USCC."""
    return {k: v for k, v in request.items() if k not in ("id", "uscc")}


async def _events(system: RunningSystem, request_id: str) -> list[str]:
    rows = await system.rows(
        "engagement",
        "SELECT subject, payload FROM outbox WHERE payload LIKE :r ORDER BY seq",
        r=f"%{request_id}%",
    )
    return [r[0].removeprefix("ecohost.events.engagement.") for r in rows]


async def test_R3_two_agencies_one_unit_the_second_proposes_learns_nothing_until_accepted(
    system: RunningSystem,
):
    first, second = str(new_id()), str(new_id())
    first_pm = token(f"agency:{first}", "agency_admin")
    second_pm = token(f"agency:{second}", "agency_admin")
    code = new_uscc()
    unit = system.api.create_unit(first_pm, uscc=code)["unit"]
    past = system.api.create_engagement(first_pm, unit["id"])["engagement"]

    # The second agency proposes: for the registered USCC and for one nobody has, the same
    # answer (pending, no unit). (createUnit answers alike too: test_unit_registry_files.)
    proposal = propose(system, second_pm, code)
    nobody = propose(system, second_pm, new_uscc())
    assert (
        _shape(proposal)
        == _shape(nobody)
        == {
            "direction": "PROPOSAL",
            "status": "PENDING",
            "agencyId": second,
            "note": "托管服务提议",
            "reason": None,
            "unit": None,
        }
    )
    assert _data(system.api.gql(UNIT, {"id": unit["id"]}, second_pm), "unit") is None
    refused = system.api.create_engagement(second_pm, unit["id"])
    assert refused["__typename"] == "UnitNotFound"

    # The unit's client admin sees the proposal, with the agency, and accepts.
    unit_admin = token(f"unit:{uuid_of(unit['id'])}", "client_admin")
    inbox = _data(system.api.gql(REQUESTS, {"status": "PENDING"}, unit_admin), "unitLinkRequests")
    assert [(r["id"], r["agencyId"], r["unit"]["id"]) for r in inbox] == [
        (proposal["id"], second, unit["id"])
    ]
    accepted = decide(system, unit_admin, "accept", proposal["id"])
    assert accepted["__typename"] == "UnitLinkRequestSuccess"
    assert accepted["request"]["status"] == "ACCEPTED"

    # The second agency now sees the unit and engages.
    mine = _data(system.api.gql(REQUESTS, {"status": "ACCEPTED"}, second_pm), "unitLinkRequests")
    assert [(r["id"], r["unit"]["id"]) for r in mine] == [(proposal["id"], unit["id"])]
    assert _data(system.api.gql(UNIT, {"id": unit["id"]}, second_pm), "unit")["name"] == (
        "绿源化工有限公司"
    )
    current = system.api.create_engagement(second_pm, unit["id"])
    assert current["__typename"] == "CreateEngagementSuccess", current
    # Accepting twice: the request is closed.
    again = decide(system, unit_admin, "accept", proposal["id"])
    assert again["__typename"] == "LinkRequestClosed"

    # The unit ends the first agency's link: its engagement stays readable, read-only.
    ended = _data(
        system.api.gql(END_LINK, {"input": {"agencyId": first}}, unit_admin), "endUnitLink"
    )
    assert ended["__typename"] == "EndUnitLinkSuccess"
    assert (ended["link"]["status"], ended["link"]["via"]) == ("ENDED", "registered")
    links = _data(system.api.gql(LINKS, None, unit_admin), "unitLinks")
    assert sorted((li["agencyId"], li["status"]) for li in links) == sorted(
        [(first, "ENDED"), (second, "ACTIVE")]
    )
    kept = system.api.engagement(first_pm, past["id"])
    assert kept is not None
    assert kept["unit"]["name"] == "绿源化工有限公司"
    step = _data(system.api.gql(ACT_ADD_ITEM, {"id": past["id"]}, first_pm), "addListItem")
    assert step["__typename"] == "WorkflowConflict"
    assert system.api.create_engagement(first_pm, unit["id"])["__typename"] == "UnitNotFound"
    edit = _data(system.api.gql(PROFILE, {"id": unit["id"]}, first_pm), "updateUnitProfile")
    assert edit["__typename"] == "UnitNotFound"
    # The unit's file as it is today is no longer the past agency's to read.
    seen = _data(system.api.gql(UNIT, {"id": unit["id"]}, first_pm), "unit")
    assert seen is not None
    assert seen["profile"] is None
    # The second agency's own engagement works on.
    ongoing = current["engagement"]["id"]
    step = _data(system.api.gql(ACT_ADD_ITEM, {"id": ongoing}, second_pm), "addListItem")
    assert step["__typename"] != "WorkflowConflict", step

    assert await _events(system, proposal["id"]) == [
        "unit_link_requested.v1",
        "unit_link_request_decided.v1",
    ]
    changes = await system.rows(
        "engagement",
        "SELECT payload FROM outbox WHERE subject = :s AND payload LIKE :u ORDER BY seq",
        s="ecohost.events.engagement.unit_link_changed.v1",
        u=f"%{uuid_of(unit['id'])}%",
    )
    assert [('"ended"' in p[0], first in p[0]) for p in changes] == [
        (False, True),  # the first agency's link, when it entered the unit
        (False, False),  # the second's, on acceptance
        (True, True),  # the first's, ended
    ]


async def test_R3_a_unit_registers_itself_finds_waiting_proposals_and_invites_an_agency(
    system: RunningSystem,
):
    code = new_uscc("320500")
    proposer = str(new_id())
    proposer_pm = token(f"agency:{proposer}", "project_manager")
    waiting = propose(system, proposer_pm, code)  # before the unit is in the registry

    unit_id = str(new_id())
    unit_admin = token(f"unit:{unit_id}", "client_admin")
    own = {"name": "苏州某电子有限公司", "uscc": code, "industryCode": "C39", "address": "苏州"}
    registered = _data(system.api.gql(REGISTER_OWN, {"input": own}, unit_admin), "registerOwnUnit")
    assert registered["__typename"] == "RegisterOwnUnitSuccess", registered
    assert uuid_of(registered["unit"]["id"]) == unit_id
    assert registered["unit"]["uscc"] == code
    # Again: the same unit. Another unit claiming the USCC: refused.
    again = _data(system.api.gql(REGISTER_OWN, {"input": own}, unit_admin), "registerOwnUnit")
    assert again["__typename"] == "RegisterOwnUnitSuccess"
    other = token(f"unit:{new_id()}", "client_admin")
    taken = _data(system.api.gql(REGISTER_OWN, {"input": own}, other), "registerOwnUnit")
    assert taken["__typename"] == "UnitAlreadyRegistered"
    # A viewer may not register.
    viewer = token(f"unit:{new_id()}", "client_viewer")
    denied = _data(system.api.gql(REGISTER_OWN, {"input": own}, viewer), "registerOwnUnit")
    assert denied["__typename"] == "NotAuthorized"

    # The proposal made before the registration has reached the unit; it declines.
    inbox = _data(system.api.gql(REQUESTS, None, unit_admin), "unitLinkRequests")
    assert [(r["id"], r["direction"]) for r in inbox] == [(waiting["id"], "PROPOSAL")]
    declined = decide(system, unit_admin, "decline", waiting["id"], "已有服务机构")
    assert (declined["request"]["status"], declined["request"]["reason"]) == (
        "DECLINED",
        "已有服务机构",
    )
    told = _data(system.api.gql(REQUESTS, None, proposer_pm), "unitLinkRequests")
    assert [(r["status"], r["unit"]) for r in told] == [("DECLINED", None)]

    # The unit invites an agency by its USCC; the agency accepts and engages.
    invited = str(new_id())
    invited_pm = token(f"agency:{invited}", "agency_admin")
    agency_code = new_uscc("320500")
    profile = {"name": "苏州环保管家有限公司", "uscc": agency_code}
    system.api.gql(REGISTER_AGENCY, {"input": profile}, invited_pm)
    unknown = _data(
        system.api.gql(INVITE, {"input": {"agencyUscc": new_uscc()}}, unit_admin), "inviteAgency"
    )
    assert unknown["__typename"] == "AgencyNotFound"
    invitation = _data(
        system.api.gql(INVITE, {"input": {"agencyUscc": agency_code}}, unit_admin), "inviteAgency"
    )["request"]
    assert (invitation["direction"], invitation["status"], invitation["agencyId"]) == (
        "INVITATION",
        "PENDING",
        invited,
    )
    # The unit cannot accept its own invitation; another agency cannot either.
    assert decide(system, unit_admin, "accept", invitation["id"])["__typename"] == (
        "LinkRequestNotFound"
    )
    assert decide(system, proposer_pm, "accept", invitation["id"])["__typename"] == (
        "LinkRequestNotFound"
    )
    # The agency is told the inviting unit's USCC; its file opens on acceptance.
    received = _data(system.api.gql(REQUESTS, None, invited_pm), "unitLinkRequests")
    assert [(r["id"], r["uscc"], r["unit"]) for r in received] == [(invitation["id"], code, None)]
    accepted = decide(system, invited_pm, "accept", invitation["id"])
    assert accepted["request"]["status"] == "ACCEPTED"
    assert accepted["request"]["unit"]["id"] == registered["unit"]["id"]
    made = system.api.create_engagement(invited_pm, registered["unit"]["id"])
    assert made["__typename"] == "CreateEngagementSuccess", made

    # A second invitation, withdrawn by the unit, can no longer be accepted.
    second = _data(
        system.api.gql(INVITE, {"input": {"agencyUscc": agency_code}}, unit_admin), "inviteAgency"
    )["request"]
    withdrawn = decide(system, unit_admin, "withdraw", second["id"])
    assert withdrawn["request"]["status"] == "WITHDRAWN"
    late = decide(system, invited_pm, "accept", second["id"])
    assert late["__typename"] == "LinkRequestClosed"
    assert await _events(system, second["id"]) == [
        "unit_link_requested.v1",
        "unit_link_request_decided.v1",
    ]
