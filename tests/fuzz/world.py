"""The real objects the fuzzer's ids point at, and the four callers of every operation.

Who may call what comes from the authorization matrix's RULES (one table for both):
the permitted caller holds the rule's role in the tenant that owns the world, the
caller without the permission holds the rule's lacking role there (no role at all
where every role has it), the other tenant holds the permitted role elsewhere."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field

from kit.ids import new_id
from tests.archive import archive_api as a
from tests.e2e.harness import Api, RunningSystem, eventually, new_uscc, token
from tests.e2e.test_api_authorization_matrix import RULES, A, R, Rule, U
from tests.evaluation.gql import open_for

CALLERS = ("anonymous", "other-tenant", "same-tenant-without-permission", "permitted")
# Public operations have no rule: they are called by an agency's people all the same.
PUBLIC = Rule(A, "engineer", "expert")
DATA = "托管服务成果报告（模糊测试）".encode() * 100


@dataclass
class World:
    tenants: dict[str, str]
    others: dict[str, str]
    ids: list[str] = field(default_factory=list)

    def token(self, operation: str, caller: str) -> str | None:
        rule = RULES.get(operation)
        rule = rule if isinstance(rule, Rule) else PUBLIC
        match caller:
            case "anonymous":
                return None
            case "other-tenant":
                return token(self.others[rule.kind], rule.role, user="mallory")
            case "same-tenant-without-permission":
                roles = (rule.lacking,) if rule.lacking else ()
                return token(self.tenants[rule.kind], *roles, user="bob")
            case "permitted":
                return token(self.tenants[rule.kind], rule.role, user="alice")
        raise ValueError(caller)


def _raw(global_id: str) -> str:
    return base64.b64decode(global_id).decode().split(":", 1)[1]


def build_world(system: RunningSystem) -> World:
    """A unit, its engagement (registered with evaluation), a scorecard, a filed archive
    item with a borrow request (a handover needs the results stage; its ids are fuzzed as
    garbage): one of each kind an ID argument names."""
    agency = f"agency:{new_id()}"
    admin = token(agency, "agency_admin")
    pm = token(agency, "project_manager")
    api = system.api
    unit = api.create_unit(admin, name="模糊测试单位")["unit"]
    engagement = api.create_engagement(admin, unit["id"])["engagement"]
    eventually(lambda: api.settled(admin, engagement["id"]))
    scorecard = open_for(api, pm, engagement["id"])["scorecard"]
    item = a.upload(api, pm, engagement["id"], DATA)
    engineer = token(agency, "engineer")
    borrow = api.gql(a.BORROW, {"i": {"itemId": item["id"], "purpose": "模糊测试"}}, engineer)
    global_ids = [unit["id"], engagement["id"], scorecard["id"], item["id"]]
    global_ids += compliance_ids(api, pm, unit["id"])
    global_ids += webhook_ids(api, admin)
    raw = [
        (borrow["data"]["requestBorrow"].get("borrowRequest") or {}).get("id"),
        _site_survey(api, engineer, engagement["id"]),  # a record, for evidence's recordId
        *correctable_ids(system, engagement["id"], pm),
        *registry_ids(api, pm),
    ]
    world = World(
        tenants={A: agency, U: f"unit:{_raw(unit['id'])}", R: "region:44"},
        others={A: f"agency:{new_id()}", U: f"unit:{new_id()}", R: "region:11"},
        ids=global_ids + [_raw(g) for g in global_ids] + [r for r in raw if r],
    )
    return world


CLIENT = """mutation($i: CreateClientInput!) { createClient(input: $i) {
  __typename ... on CreateClientSuccess { client { id } } } }"""
PROPOSAL = """mutation($i: ProposeEngagementInput!) { proposeEngagement(input: $i) {
  __typename ... on UnitLinkRequestSuccess { request { id } } } }"""


def registry_ids(api: Api, pm: str) -> list[str]:
    """A client (park) of the agency and a proposal it sent: the raw ids `clientId` and
    `requestId` name (the unit registry, issue 14)."""
    park = {"kind": "PARK", "name": "模糊测试园区", "regionCode": "440300"}
    client = api.gql(CLIENT, {"i": park}, pm)["data"]["createClient"].get("client") or {}
    sent = api.gql(PROPOSAL, {"i": {"uscc": new_uscc()}}, pm)["data"]["proposeEngagement"]
    return [i for i in (client.get("id"), (sent.get("request") or {}).get("id")) if i]


SITE_SURVEY = """mutation($i: SiteSurveyInput!) { recordSiteSurvey(input: $i) { __typename } }"""
RECORDS = "query($id: ID!) { engagement(id: $id) { records { id } } }"


def _site_survey(api: Api, engineer: str, engagement: str) -> str | None:
    """A service record of the world's engagement (records have plain UUID ids)."""
    survey = {"engagementId": engagement, "surveyedOn": "2027-01-05", "participants": ["李工"],
              "findings": "模糊测试"}  # fmt: skip
    api.gql(SITE_SURVEY, {"i": survey}, engineer)
    records = api.gql(RECORDS, {"id": engagement}, engineer)["data"]["engagement"]["records"]
    return records[0]["id"] if records else None


def correctable_ids(system: RunningSystem, engagement_id: str, pm: str) -> list[str]:
    """A list item, a team member and a service record of the engagement: the raw ids that
    corrections and voids name (`itemId`, `personId`, `recordId`)."""
    person = str(new_id())
    steps = (
        ("addListItem", "AddListItemInput", {"catalogueCode": "6.1.5", "scope": "模糊测试"}),
        ("formTeam", "FormTeamInput",
         {"contractedSize": 1, "members": [{"personId": person, "name": "王工", "role": "经理"}]}),
        ("recordSiteSurvey", "SiteSurveyInput",
         {"surveyedOn": "2027-01-05", "participants": ["王工"], "findings": "模糊测试"}),
    )  # fmt: skip
    for mutation, input_type, fields in steps:
        system.api.gql(
            f"mutation($i: {input_type}!) {{ {mutation}(input: $i) {{ __typename }} }}",
            {"i": {"engagementId": engagement_id, **fields}},
            pm,
        )
    found = system.api.gql(
        "query($id: ID!) { engagement(id: $id) { listItems { id } records { id } } }",
        {"id": engagement_id},
        pm,
    )["data"]["engagement"]
    return [person, *(i["id"] for i in found["listItems"]), *(r["id"] for r in found["records"])]


PERMIT = """mutation($i: RegisterPermitInput!) { registerPermit(input: $i) {
  __typename ... on PermitSuccess { permit { id } } } }"""
MONITORING_PLAN = """mutation($i: AddMonitoringPlanInput!) { addMonitoringPlan(input: $i) {
  __typename ... on MonitoringPlanSuccess { plan { id } } } }"""
OCCURRENCES = """query($u: ID!) { complianceCalendar(unitId: $u, first: 1) {
  edges { node { id } } } }"""


def compliance_ids(api: Api, pm: str, unit_id: str) -> list[str]:
    """A permit, a monitoring plan and an occurrence of the unit on the compliance
    calendar (which learns the unit from events, hence `eventually`)."""

    def registered() -> str | None:
        result = api.gql(
            PERMIT,
            {
                "i": {
                    "unitId": unit_id,
                    "number": f"FUZZ-{new_id().hex[:12]}",
                    "authority": "局",
                    "category": "KEY",
                    "validFrom": "2025-01-01",
                    "validTo": "2029-12-31",
                    "outlets": ["DA001"],
                }
            },
            pm,
        )["data"]["registerPermit"]
        return result["permit"]["id"] if result["__typename"] == "PermitSuccess" else None

    permit: str = eventually(registered)
    plan = api.gql(
        MONITORING_PLAN,
        {"i": {"permitId": permit, "outlet": "DA001", "pollutant": "SO2", "frequency": "MONTHLY"}},
        pm,
    )["data"]["addMonitoringPlan"]["plan"]["id"]
    engineer_view = api.gql(OCCURRENCES, {"u": unit_id}, pm)["data"]["complianceCalendar"]
    occurrences = [e["node"]["id"] for e in engineer_view["edges"]]
    return [permit, plan, *occurrences]


WEBHOOK = """mutation($i: RegisterAgencyWebhookInput!) { registerAgencyWebhook(input: $i) {
  __typename ... on RegisterAgencyWebhookSuccess { webhook { id } } } }"""


DISABLE_WEBHOOK = """mutation($i: SetAgencyWebhookEnabledInput!) {
  setAgencyWebhookEnabled(input: $i) { __typename } }"""


def webhook_ids(api: Api, admin: str) -> list[str]:
    """One of the agency's reminder webhook endpoints, disabled at once so that no
    reminder is ever posted to its made-up host."""
    result = api.gql(WEBHOOK, {"i": {"url": "https://hooks.example.cn/fuzz"}}, admin)
    webhook: str = result["data"]["registerAgencyWebhook"]["webhook"]["id"]
    api.gql(DISABLE_WEBHOOK, {"i": {"webhookId": webhook, "enabled": False}}, admin)
    return [webhook]
