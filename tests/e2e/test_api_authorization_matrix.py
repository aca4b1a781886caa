"""Every Query field, Mutation and Subscription of the served schema, called by four
kinds of caller: anonymous, another tenant, the same tenant without the permission,
and with it. Denied calls return no data and change nothing.

The operations are generated from the schema (tests/e2e/api_matrix.py); RULES says
who may call each one. A field missing from RULES fails
`test_every_operation_has_a_rule`, so a new field cannot ship untested.
"""

from __future__ import annotations

import asyncio
import base64
import json
from dataclasses import dataclass
from typing import Any

import pytest

from gateway.schema import schema as served
from kit.ids import new_id
from tests.e2e.api_matrix import call, has_data
from tests.e2e.harness import RunningSystem, eventually, token
from tests.engagement.test_subscription import next_message, open_subscription

AGENCY = str(new_id())
ADMIN = token(f"agency:{AGENCY}", "agency_admin")
SCHEMA = served._schema


@dataclass(frozen=True)
class Rule:
    kind: str  # the allowed caller's tenant kind: agency, unit or region
    role: str  # a role that has the permission
    lacking: str | None  # a role of the same tenant that has not; None: every role has it
    shared: bool = False  # reference data: other tenants see the same rows
    expect_data: bool = False  # the world has something for the allowed caller to see
    own_tenant: bool = False  # acts on the caller's own tenant (its people, its results,
    # the global ledger): another tenant calling it reaches nothing of ours, so the
    # other-tenant case is the same as the allowed one and is not a denial


@dataclass(frozen=True)
class Public:
    reason: str


A, U, R = "agency", "unit", "region"
PM_STEP = Rule(A, "project_manager", "engineer")
FIELD_WORK = Rule(A, "engineer", "expert")
CLIENT = Rule(U, "client_admin", "client_viewer")
SCORING = Rule(A, "project_manager", "engineer")
READ_ENGAGEMENT = Rule(A, "engineer", "expert", expect_data=True)

RULES: dict[str, Rule | Public] = {
    # --- queries -------------------------------------------------------------
    "Query.node": READ_ENGAGEMENT,
    "Query.nodes": READ_ENGAGEMENT,
    "Query._entities": READ_ENGAGEMENT,
    "Query._service": Rule(R, "regulator", "engineer", shared=True, expect_data=True),
    "Query.dueItems": Rule(A, "engineer", "expert"),
    "Query.myMeetings": Rule(A, "expert", "engineer"),
    "Query.catalogue": Rule(A, "engineer", None, shared=True, expect_data=True),
    "Query.unit": Rule(A, "engineer", "expert", expect_data=True),
    "Query.units": Rule(A, "engineer", "expert", expect_data=True),
    "Query.engagement": READ_ENGAGEMENT,
    "Query.engagements": READ_ENGAGEMENT,
    "Query.myAgency": Rule(A, "engineer", None, own_tenant=True),
    "Query.people": Rule(A, "engineer", "expert", own_tenant=True),
    "Query.evaluationTemplates": Rule(A, "project_manager", "expert", shared=True),
    "Query.scorecard": SCORING,
    "Query.scorecards": SCORING,
    "Query.unitGradeHistory": SCORING,
    "Query.agencyResults": Rule(A, "project_manager", "engineer", own_tenant=True),
    "Query.gradeDistribution": Rule(R, "regulator", "engineer", own_tenant=True),
    "Query.ledgerEntry": Rule(A, "engineer", "expert"),
    "Query.consistencyProof": Rule(A, "engineer", "expert", own_tenant=True),
    "Query.provenance": Rule(A, "engineer", "expert"),
    "Query.archiveItem": Rule(A, "engineer", "expert"),
    "Query.archiveCatalogue": Rule(A, "engineer", "expert"),
    "Query.archiveItems": Rule(A, "engineer", "expert"),
    "Query.handovers": Rule(A, "engineer", "expert"),
    # generated documents (policy: "generated documents" in gateway/authz/policy.csv)
    "Query.documentJob": Rule(A, "engineer", "expert"),
    "Query.documents": Rule(A, "engineer", "expert"),
    "Query.documentTemplates": Rule(A, "engineer", "expert", own_tenant=True),
    "Query.falsificationDisclosures": Public("R7.2: falsified evaluations are disclosed publicly"),
    "Query.ledgerPublicKey": Public("anyone verifies a proof with the key alone"),
    "Query.latestCheckpoint": Public("signed tree heads are public, as in RFC 9162"),
    "Query.enumLabels": Public("the vocabulary is public, like the schema"),
    "Query.checkpoints": Public("signed tree heads are public, as in RFC 9162"),
    "Query.viewer": Public("describes the caller's own token, null when anonymous"),
    "Query.surveyLinks": FIELD_WORK,
    "Query.surveyByToken": Public(
        "a unit's people answer a survey without an account: the link's token is the "
        "permission, and an unknown, expired or revoked token reads as null"
    ),
    # --- mutations -----------------------------------------------------------
    "Mutation.createUnit": PM_STEP,
    "Mutation.createEngagement": PM_STEP,
    "Mutation.addListItem": PM_STEP,
    "Mutation.approveListItem": CLIENT,
    "Mutation.finishListItem": PM_STEP,
    "Mutation.formTeam": PM_STEP,
    "Mutation.recordSiteSurvey": FIELD_WORK,
    "Mutation.updateChecklistItem": FIELD_WORK,
    "Mutation.draftPlan": PM_STEP,
    "Mutation.submitPlan": PM_STEP,
    "Mutation.decidePlan": CLIENT,
    "Mutation.recordConsultation": PM_STEP,
    "Mutation.signContract": PM_STEP,
    "Mutation.recordInspection": FIELD_WORK,
    "Mutation.recordTraining": FIELD_WORK,
    "Mutation.recordEmergency": FIELD_WORK,
    "Mutation.recordComplaint": PM_STEP,
    "Mutation.recordPenalty": PM_STEP,
    "Mutation.recordSatisfactionSurvey": FIELD_WORK,
    "Mutation.raiseRectification": FIELD_WORK,
    "Mutation.reportRectified": FIELD_WORK,
    "Mutation.verifyRectification": FIELD_WORK,
    "Mutation.logWork": FIELD_WORK,
    "Mutation.submitStageReport": PM_STEP,
    "Mutation.reviewStageReport": CLIENT,
    "Mutation.recordSeminar": PM_STEP,
    "Mutation.completeImplementation": PM_STEP,
    "Mutation.handOver": PM_STEP,
    "Mutation.decideResults": CLIENT,
    "Mutation.updateUnitProfile": PM_STEP,
    "Mutation.registerAgency": Rule(A, "agency_admin", "project_manager", own_tenant=True),
    "Mutation.addPerson": Rule(A, "agency_admin", "project_manager", own_tenant=True),
    "Mutation.openScorecard": SCORING,
    "Mutation.scoreItem": SCORING,
    "Mutation.recordDeduction": SCORING,
    "Mutation.finalizeScorecard": SCORING,
    "Mutation.amendScorecard": SCORING,
    "Mutation.markScorecardFalsified": SCORING,
    "Mutation.appealScorecard": SCORING,
    "Mutation.answerScorecardAppeal": CLIENT,
    "Mutation.defineEvaluationTemplate": SCORING,
    "Mutation.createCheckpoint": Rule(A, "archive_keeper", "engineer", own_tenant=True),
    # archive catalogue (policy: "archive catalogue" in gateway/authz/policy.csv)
    "Mutation.requestUpload": PM_STEP,
    "Mutation.requestItemVersionUpload": PM_STEP,
    "Mutation.completeUpload": PM_STEP,
    "Mutation.createArchiveVolume": PM_STEP,
    "Mutation.changeConfidentiality": PM_STEP,
    "Mutation.requestDestruction": PM_STEP,
    "Mutation.acknowledgeHandover": CLIENT,
    "Mutation.requestBorrow": FIELD_WORK,
    "Mutation.issueDownloadUrl": Rule(A, "project_manager", "expert"),
    "Mutation.issueHandoverPackageUrl": Rule(A, "project_manager", "expert"),
    "Mutation.decideBorrow": Rule(A, "archive_keeper", "engineer"),
    "Mutation.approveDestruction": Rule(A, "archive_keeper", "engineer"),
    "Mutation.generateDocument": PM_STEP,
    "Mutation.registerDocumentTemplate": Rule(A, "project_manager", "engineer", own_tenant=True),
    # survey links (policy: "survey links" in gateway/authz/policy.csv)
    "Mutation.issueSurveyLink": FIELD_WORK,
    "Mutation.revokeSurveyLink": FIELD_WORK,
    "Mutation.answerSurvey": Public(
        "R4.2.3.1: the unit's people answer through the link, without an account; the "
        "token is the permission (a wrong one writes nothing)"
    ),
    # evidence on records (#15 item 2): who records the work links its evidence
    "Mutation.attachEvidence": FIELD_WORK,
    "Mutation.detachEvidence": FIELD_WORK,
    "Mutation.requestEvidenceUpload": PM_STEP,  # archive uploads are the managers'
    # corrections and voids: who records a kind corrects and voids it; voidRecord with an
    # unknown kind needs the managers' permission; lifecycle moves are the managers'
    "Mutation.correctSiteSurvey": FIELD_WORK,
    "Mutation.correctConsultation": PM_STEP,
    "Mutation.correctInspection": FIELD_WORK,
    "Mutation.correctTraining": FIELD_WORK,
    "Mutation.correctEmergency": FIELD_WORK,
    "Mutation.correctComplaint": PM_STEP,
    "Mutation.correctPenalty": PM_STEP,
    "Mutation.correctSatisfactionSurvey": FIELD_WORK,
    "Mutation.correctWorkLog": FIELD_WORK,
    "Mutation.correctSeminar": PM_STEP,
    "Mutation.voidRecord": PM_STEP,
    "Mutation.correctListItem": PM_STEP,
    "Mutation.voidListItem": PM_STEP,
    "Mutation.correctTeamMember": PM_STEP,
    "Mutation.voidTeamMember": PM_STEP,
    "Mutation.suspendEngagement": PM_STEP,
    "Mutation.resumeEngagement": PM_STEP,
    "Mutation.terminateEngagement": PM_STEP,
    "Mutation.cancelEngagement": PM_STEP,
    "Mutation.correctUnit": PM_STEP,
    # bulk import of units: who may createUnit, into the caller's own agency
    "Mutation.importUnits": Rule(A, "project_manager", "engineer", own_tenant=True),
    "Query.unitImportTemplate": Rule(
        A, "project_manager", "engineer", shared=True, expect_data=True
    ),
    # compliance calendar (policy: "compliance calendar" in gateway/authz/policy.csv)
    "Query.complianceCalendar": Rule(A, "engineer", "expert"),
    "Query.regionOverdueObligations": Rule(R, "regulator", "engineer"),
    # region statistics (policy: "region statistics" in gateway/authz/policy.csv)
    "Query.regionStatistics": Rule(R, "regulator", "engineer"),
    "Query.myWork": Rule(A, "engineer", "expert"),
    "Query.permits": Rule(A, "engineer", "expert"),
    "Mutation.registerPermit": PM_STEP,
    "Mutation.updateReportSchedule": PM_STEP,
    "Mutation.addMonitoringPlan": PM_STEP,
    "Mutation.recordStoppage": PM_STEP,
    "Mutation.defineComplianceRule": Rule(A, "project_manager", "engineer", own_tenant=True),
    "Mutation.completeOccurrence": Rule(A, "engineer", "expert"),
    "Mutation.waiveOccurrence": Rule(A, "engineer", "expert"),
    "Mutation.recordMonitoringResult": Rule(A, "engineer", "expert"),
    "Mutation.issueCalendarFeed": Rule(A, "engineer", "expert", own_tenant=True),
    "Mutation.revokeCalendarFeeds": Rule(A, "engineer", "expert", own_tenant=True),
    # reminder settings (policy: "reminder settings" in gateway/authz/policy.csv)
    "Query.myNotificationSettings": Rule(A, "engineer", "expert", own_tenant=True),
    "Query.agencyNotificationDefaults": Rule(A, "agency_admin", "project_manager", own_tenant=True),
    "Query.agencyWebhooks": Rule(A, "agency_admin", "project_manager", own_tenant=True),
    "Query.notificationDeliveryLog": Rule(A, "agency_admin", "project_manager", own_tenant=True),
    "Mutation.updateMyNotificationSettings": Rule(A, "engineer", "expert", own_tenant=True),
    "Mutation.setAgencyNotificationDefaults": Rule(
        A, "agency_admin", "project_manager", own_tenant=True
    ),
    "Mutation.registerAgencyWebhook": Rule(A, "agency_admin", "project_manager", own_tenant=True),
    "Mutation.setAgencyWebhookEnabled": Rule(A, "agency_admin", "project_manager"),
    # the unit registry and consent (policy: "the unit registry" in gateway/authz/policy.csv):
    # proposing, self-registering, inviting and entering a client act for the caller's own
    # tenant; answering, withdrawing and ending need the request or link in scope
    "Query.unitLinkRequests": Rule(A, "engineer", "expert"),
    "Query.unitLinks": Rule(A, "engineer", "expert", expect_data=True),
    "Query.client": Rule(A, "engineer", "expert"),
    "Mutation.proposeEngagement": Rule(A, "project_manager", "engineer", own_tenant=True),
    "Mutation.registerOwnUnit": Rule(U, "client_admin", "client_viewer", own_tenant=True),
    "Mutation.inviteAgency": Rule(U, "client_admin", "client_viewer", own_tenant=True),
    "Mutation.acceptUnitLinkRequest": PM_STEP,
    "Mutation.declineUnitLinkRequest": PM_STEP,
    "Mutation.withdrawUnitLinkRequest": PM_STEP,
    "Mutation.endUnitLink": PM_STEP,
    "Mutation.createClient": Rule(A, "project_manager", "engineer", own_tenant=True),
    # --- subscriptions -------------------------------------------------------
    "Subscription.engagementEvents": READ_ENGAGEMENT,
    "Subscription.myReminders": Rule(A, "engineer", "expert", own_tenant=True),
}


def operations(root: str) -> list[str]:
    root_type = SCHEMA.get_type(root)
    return [f"{root}.{name}" for name in getattr(root_type, "fields", {})]


ALL = operations("Query") + operations("Mutation") + operations("Subscription")
GUARDED = {op: rule for op, rule in RULES.items() if isinstance(rule, Rule)}
DENIED_CALLERS = ("anonymous", "other-tenant", "same-tenant-without-permission")


def test_every_operation_has_a_rule():
    assert sorted(set(ALL) - set(RULES)) == [], "add the new operations to RULES"
    assert sorted(set(RULES) - set(ALL)) == [], "RULES names operations that are gone"


@pytest.fixture(scope="module")
def world(system: RunningSystem) -> dict[str, Any]:
    unit = system.api.create_unit(ADMIN, name="矩阵测试单位")["unit"]
    engagement = system.api.create_engagement(ADMIN, unit["id"])["engagement"]
    eventually(lambda: system.api.settled(ADMIN, engagement["id"]))
    unit_uuid = base64.b64decode(unit["id"]).decode().split(":", 1)[1]
    scorecard = base64.b64encode(f"Scorecard:{new_id()}".encode()).decode()
    return {
        "ids": {"unit": unit["id"], "engagement": engagement["id"], "scorecard": scorecard},
        "tenants": {A: f"agency:{AGENCY}", U: f"unit:{unit_uuid}", R: "region:44"},
        "others": {A: f"agency:{new_id()}", U: f"unit:{new_id()}", R: "region:11"},
    }


def caller_token(world: dict[str, Any], rule: Rule, caller: str) -> str | None:
    match caller:
        case "anonymous":
            return None
        case "other-tenant":
            return token(world["others"][rule.kind], rule.role)
        case "same-tenant-without-permission":
            assert rule.lacking is not None
            return token(world["tenants"][rule.kind], rule.lacking)
        case _:
            return token(world["tenants"][rule.kind], rule.role)


def run(system: RunningSystem, world: dict[str, Any], op: str, tok: str | None) -> dict[str, Any]:
    root, name = op.split(".")
    return system.api.gql(call(SCHEMA, root, name, world["ids"]), None, tok)


def result_of(body: dict[str, Any], op: str) -> Any:
    assert not any(
        (e.get("extensions") or {}).get("code") == "INTERNAL" for e in body.get("errors", [])
    ), body
    return (body.get("data") or {}).get(op.split(".")[1])


async def fingerprint(system: RunningSystem) -> dict[str, int]:
    """Row counts of every table of the services (periodic checkpoints aside)."""
    counts: dict[str, int] = {}
    for service in ("engagement", "evaluation", "archive", "compliance"):
        url = system.database_urls[service]
        if url.startswith("sqlite"):
            sql = "SELECT name FROM sqlite_master WHERE type = 'table'"
            tables = [r[0] for r in await system.rows(service, sql)]
        else:
            sql = "SELECT table_name FROM information_schema.tables WHERE table_schema = :s"
            tables = [r[0] for r in await system.rows(service, sql, s=service)]
        for table in tables:
            if "checkpoint" not in table:
                counts[f"{service}.{table}"] = await system.count(
                    service,
                    f'SELECT count(*) FROM "{table}"',  # noqa: S608 — names from the catalog
                )
    return counts


async def settled_fingerprint(system: RunningSystem) -> dict[str, int]:
    # Events of the world's creation may still be consumed: wait until counts hold.
    previous = await fingerprint(system)
    while True:
        await asyncio.sleep(0.5)
        current = await fingerprint(system)
        if current == previous:
            return current
        previous = current


MUTATIONS = [op for op in GUARDED if op.startswith("Mutation.")]


@pytest.fixture(scope="module")
def denied_mutations(system: RunningSystem, world: dict[str, Any]) -> dict[str, Any]:
    """Every denied mutation call, made before any allowed one, between two snapshots."""
    before = asyncio.run(settled_fingerprint(system))
    results = {}
    for op in MUTATIONS:
        rule = GUARDED[op]
        for caller in DENIED_CALLERS:
            if caller == "same-tenant-without-permission" and rule.lacking is None:
                continue
            if caller == "other-tenant" and rule.own_tenant:
                continue
            body = run(system, world, op, caller_token(world, rule, caller))
            results[(op, caller)] = body
    after = asyncio.run(settled_fingerprint(system))
    return {"results": results, "before": before, "after": after}


def test_denied_mutations_changed_nothing(denied_mutations: dict[str, Any]):
    before, after = denied_mutations["before"], denied_mutations["after"]
    assert {k: (before.get(k), v) for k, v in after.items() if before.get(k) != v} == {}


@pytest.mark.parametrize("caller", DENIED_CALLERS)
@pytest.mark.parametrize("op", MUTATIONS)
def test_denied_mutations_return_no_data(denied_mutations: dict[str, Any], op: str, caller: str):
    body = denied_mutations["results"].get((op, caller))
    if body is None:
        pytest.skip("not a denial for this operation (see RULES)")
    result = result_of(body, op)
    assert result is None or not result["__typename"].endswith("Success"), result


@pytest.mark.parametrize("caller", [*DENIED_CALLERS, "with-permission"])
@pytest.mark.parametrize("op", [op for op in GUARDED if op.startswith("Query.")])
def test_queries(system: RunningSystem, world: dict[str, Any], op: str, caller: str):
    rule = GUARDED[op]
    if caller == "same-tenant-without-permission" and rule.lacking is None:
        pytest.skip("every role of the tenant has this permission")
    if caller == "other-tenant" and (rule.shared or rule.own_tenant):
        pytest.skip("reference data or the caller's own tenant: not a denial")
    result = result_of(run(system, world, op, caller_token(world, rule, caller)), op)
    if caller != "with-permission":
        assert not has_data(result), f"{caller} must not see {op}: {result}"
    elif rule.expect_data:
        assert has_data(result), f"{caller} should see {op}: {result}"


@pytest.mark.parametrize("caller", [*DENIED_CALLERS, "with-permission"])
async def test_subscription(
    system: RunningSystem, world: dict[str, Any], denied_mutations: dict[str, Any], caller: str
):
    # Before the allowed mutations: the plan draft that triggers the event must still be possible.
    rule = GUARDED["Subscription.engagementEvents"]
    ws = await open_subscription(
        system, world["ids"]["engagement"], caller_token(world, rule, caller)
    )
    try:
        if caller == "with-permission":
            await asyncio.sleep(0.5)  # let the subscription reach NATS
            pm = token(world["tenants"][A], "project_manager")
            draft = (
                'mutation($e: ID!) { draftPlan(input: {engagementId: $e, content: "v"}) '
                "{ __typename } }"
            )
            await asyncio.to_thread(system.api.gql, draft, {"e": world["ids"]["engagement"]}, pm)
        message = await next_message(ws)
        payload = message.get("payload") or {}
        if caller == "with-permission":
            assert payload.get("data", {}).get("engagementEvents"), message
        else:
            assert payload.get("data") is None, message
            assert payload.get("errors"), message
    finally:
        await ws.close()


@pytest.mark.parametrize("op", MUTATIONS)
def test_allowed_mutations_pass_authorization(
    system: RunningSystem, world: dict[str, Any], denied_mutations: dict[str, Any], op: str
):
    # The generated input may well be refused by the domain (no such list item, a
    # wrong stage): what matters here is that authorization let the caller through.
    rule = GUARDED[op]
    body = run(system, world, op, caller_token(world, rule, "with-permission"))
    result = result_of(body, op)
    assert result is not None, body
    assert result["__typename"] != "NotAuthorized", result


@pytest.mark.parametrize("op", [op for op, r in RULES.items() if isinstance(r, Public)])
def test_public_operations_answer_anonymous_callers(
    system: RunningSystem, world: dict[str, Any], op: str
):
    body = run(system, world, op, None)
    assert "errors" not in body, body


def test_rules_round_trip_json():
    # The table is data a reviewer can diff: keep it serialisable.
    assert json.loads(json.dumps({k: type(v).__name__ for k, v in RULES.items()}))


# An appointed third-party evaluator (tenant `evaluator:<id>`) sees and changes only the
# evaluation material of the engagements it is appointed to: one appointed to none of the
# world's gets nothing from any of these (tests/evaluation/test_parties.py covers one
# that is appointed).
NOT_APPOINTED_OPS = [
    "Query.scorecard",
    "Query.scorecards",
    "Query.unitGradeHistory",
    "Query.engagement",
    "Query.engagements",
    "Query.units",
    "Mutation.openScorecard",
    "Mutation.scoreItem",
    "Mutation.finalizeScorecard",
    "Mutation.markScorecardFalsified",
    "Mutation.appealScorecard",
    "Mutation.answerScorecardAppeal",
    "Mutation.decideResults",
]


@pytest.mark.parametrize("op", NOT_APPOINTED_OPS)
def test_an_evaluator_not_appointed_sees_and_changes_nothing(
    system: RunningSystem, world: dict[str, Any], denied_mutations: dict[str, Any], op: str
):
    outsider = token(f"evaluator:{new_id()}", "appointed_evaluator")
    result = result_of(run(system, world, op, outsider), op)
    if op.startswith("Query."):
        assert not has_data(result), result
    else:
        assert result is None or not result["__typename"].endswith("Success"), result


# A client that is not one unit (园区, 集团, 区域; tenant `client:<id>`, issue 14) on the
# fields that now apply to it: its people see, and its admin acts on, what a unit's do for
# their own engagements, for the engagements they are the 委托方 of. RULES has one rule per
# operation (the agency's, the unit's or the region's); these are the same operations
# called by a park: anonymous, another park, the park with a role that has no permission
# in a client's domain, and with it (tests/e2e/test_client_tenants.py runs the workflow).
C = "client"
CLIENT_READ = Rule(C, "client_viewer", "engineer")
CLIENT_READ_DATA = Rule(C, "client_viewer", "engineer", expect_data=True)
CLIENT_DECIDES = Rule(C, "client_admin", "client_viewer")
CLIENT_RULES: dict[str, Rule] = {
    "Query.engagement": CLIENT_READ_DATA,
    "Query.engagements": CLIENT_READ_DATA,
    "Query.unit": CLIENT_READ_DATA,
    "Query.units": CLIENT_READ_DATA,
    "Query.scorecard": CLIENT_READ,
    "Query.scorecards": CLIENT_READ,
    "Query.archiveItem": CLIENT_READ,
    "Query.archiveItems": CLIENT_READ,
    "Query.archiveCatalogue": CLIENT_READ,
    "Query.handovers": CLIENT_READ,
    "Query.complianceCalendar": CLIENT_READ,
    "Query.myWork": CLIENT_READ,
    "Mutation.decidePlan": CLIENT_DECIDES,
    "Mutation.approveListItem": CLIENT_DECIDES,
    "Mutation.decideResults": CLIENT_DECIDES,
    "Mutation.scoreItem": CLIENT_DECIDES,
    "Mutation.finalizeScorecard": CLIENT_DECIDES,
    "Mutation.markScorecardFalsified": CLIENT_DECIDES,
    "Mutation.answerScorecardAppeal": CLIENT_DECIDES,
    "Mutation.amendScorecard": CLIENT_DECIDES,
}
CLIENT_MUTATIONS = [op for op in CLIENT_RULES if op.startswith("Mutation.")]
CREATE_PARK = """mutation { createClient(input: {kind: PARK, name: "矩阵测试园区",
  regionCode: "440300"}) { ... on CreateClientSuccess { client { id } } } }"""


def test_client_rules_name_operations_that_exist():
    assert sorted(set(CLIENT_RULES) - set(ALL)) == []


@pytest.fixture(scope="module")
def park_world(system: RunningSystem, world: dict[str, Any]) -> dict[str, Any]:
    """A park, the client of one engagement of the world's agency covering two units."""
    units = [system.api.create_unit(ADMIN, name=f"矩阵园区企业{n}")["unit"] for n in range(2)]
    park = system.api.gql(CREATE_PARK, None, ADMIN)["data"]["createClient"]["client"]["id"]
    engagement = system.api.create_engagement(
        ADMIN, units[0]["id"], clientId=park, coveredUnitIds=[units[1]["id"]]
    )["engagement"]
    eventually(lambda: system.api.settled(ADMIN, engagement["id"]))
    return {
        "ids": {**world["ids"], "unit": units[1]["id"], "engagement": engagement["id"]},
        "tenant": f"client:{park}",
        "other": f"client:{new_id()}",
    }


def park_token(park_world: dict[str, Any], rule: Rule, caller: str) -> str | None:
    match caller:
        case "anonymous":
            return None
        case "other-tenant":
            return token(park_world["other"], rule.role)
        case "same-tenant-without-permission":
            assert rule.lacking is not None
            return token(park_world["tenant"], rule.lacking)
        case _:
            return token(park_world["tenant"], rule.role)


def run_as_park(system: RunningSystem, park_world: dict[str, Any], op: str, tok: str | None):
    root, name = op.split(".")
    return system.api.gql(call(SCHEMA, root, name, park_world["ids"]), None, tok)


@pytest.mark.parametrize("caller", [*DENIED_CALLERS, "with-permission"])
@pytest.mark.parametrize("op", [op for op in CLIENT_RULES if op.startswith("Query.")])
def test_client_queries(system: RunningSystem, park_world: dict[str, Any], op: str, caller: str):
    rule = CLIENT_RULES[op]
    tok = park_token(park_world, rule, caller)
    result = result_of(run_as_park(system, park_world, op, tok), op)
    if caller != "with-permission":
        assert not has_data(result), f"{caller} must not see {op}: {result}"
    elif rule.expect_data:
        assert has_data(result), f"the park should see {op}: {result}"


@pytest.fixture(scope="module")
def denied_client_mutations(
    system: RunningSystem, park_world: dict[str, Any], denied_mutations: dict[str, Any]
) -> dict[str, Any]:
    """Every denied client mutation, before any allowed one, between two snapshots."""
    before = asyncio.run(settled_fingerprint(system))
    results = {}
    for op in CLIENT_MUTATIONS:
        for caller in DENIED_CALLERS:
            tok = park_token(park_world, CLIENT_RULES[op], caller)
            results[(op, caller)] = run_as_park(system, park_world, op, tok)
    after = asyncio.run(settled_fingerprint(system))
    return {"results": results, "before": before, "after": after}


def test_denied_client_mutations_changed_nothing(denied_client_mutations: dict[str, Any]):
    before, after = denied_client_mutations["before"], denied_client_mutations["after"]
    assert {k: (before.get(k), v) for k, v in after.items() if before.get(k) != v} == {}


@pytest.mark.parametrize("caller", DENIED_CALLERS)
@pytest.mark.parametrize("op", CLIENT_MUTATIONS)
def test_denied_client_mutations_return_no_data(
    denied_client_mutations: dict[str, Any], op: str, caller: str
):
    result = result_of(denied_client_mutations["results"][(op, caller)], op)
    assert result is None or not result["__typename"].endswith("Success"), result


@pytest.mark.parametrize("op", CLIENT_MUTATIONS)
def test_allowed_client_mutations_pass_authorization(
    system: RunningSystem,
    park_world: dict[str, Any],
    denied_client_mutations: dict[str, Any],
    op: str,
):
    tok = park_token(park_world, CLIENT_RULES[op], "with-permission")
    result = result_of(run_as_park(system, park_world, op, tok), op)
    assert result is not None
    assert result["__typename"] != "NotAuthorized", result
