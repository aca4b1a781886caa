"""Every evaluation operation for each kind of caller: anonymous, another tenant, the
same tenant without the permission, and with it. Denied reads return no data and
denied mutations write nothing, exactly as for a missing object."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from kit.ids import new_id
from services.evaluation.templates import standard_c1
from tests.e2e.harness import RunningSystem, token
from tests.evaluation import gql

AGENCY = str(new_id())
ADMIN = token(f"agency:{AGENCY}", "agency_admin")
EVALUATOR = token(f"agency:{AGENCY}", "evaluator", user="eva-matrix")
CALLERS: dict[str, str | None] = {
    "anonymous": None,
    "other-tenant": token(f"agency:{new_id()}", "agency_admin"),
    "same-tenant-no-permission": token(f"agency:{AGENCY}", "engineer"),
    "with-permission": EVALUATOR,
}
TABLES = ("scorecard", "item_score", "deduction", "falsification", "evaluation_template")


@pytest.fixture(scope="module")
def world(system: RunningSystem) -> dict[str, Any]:
    unit, eng = gql.engagement(system.api, ADMIN)
    card = gql.open_for(system.api, EVALUATOR, eng)["scorecard"]
    return {"unit": unit, "engagement": eng, "card": card["id"]}


QUERIES: dict[str, tuple[str, Callable[[dict[str, Any]], Any]]] = {
    "scorecard": ("query($c: ID!) { scorecard(id: $c) { id } }", lambda d: d["scorecard"]),
    "scorecards": (
        "{ scorecards { totalCount edges { node { id } } } }",
        lambda d: d["scorecards"]["edges"],
    ),
    # Item-level fields of a list are loaded in a second request, under the same scope.
    "scorecards.results": (
        "{ scorecards { edges { node { id results { itemCode } scores { points } } } } }",
        lambda d: [r for e in d["scorecards"]["edges"] for r in e["node"]["results"]],
    ),
    "scorecard.suggestions": (
        "query($c: ID!) { scorecard(id: $c) { suggestions { itemCode } } }",
        lambda d: d["scorecard"] and d["scorecard"]["suggestions"],
    ),
    "scorecard.xlsx": (
        "query($c: ID!) { scorecard(id: $c) { xlsx { filename } } }",
        lambda d: d["scorecard"] and d["scorecard"]["xlsx"],
    ),
    "evaluationTemplates": ("{ evaluationTemplates { code } }", lambda d: d["evaluationTemplates"]),
    "unitGradeHistory": (
        "query($u: ID!) { scorecards(unitId: $u) { edges { node { id } } } }",
        lambda d: d["scorecards"]["edges"],
    ),
    # Non-null means the caller may read distributions; what it counts is its own
    # scope (another agency's count of this agency's cards stays 0, checked below).
    "gradeDistribution": (
        "{ gradeDistribution { total counts { count } } }",
        lambda d: d["gradeDistribution"],
    ),
}


@pytest.mark.parametrize("caller", list(CALLERS))
@pytest.mark.parametrize("operation", list(QUERIES))
def test_R7_every_evaluation_query_is_authorized(
    system: RunningSystem, world: dict[str, Any], operation: str, caller: str
):
    query, pick = QUERIES[operation]
    variables = {k: world[v] for k, v in (("c", "card"), ("u", "unit")) if f"${k}" in query}
    body = system.api.gql(query, variables, CALLERS[caller])
    assert "errors" not in body, body
    data = pick(body["data"])
    # Templates are reference data (the standard's table), not a tenant's records:
    # any caller with the role reads them, whatever its agency.
    if operation == "gradeDistribution" and caller == "other-tenant":
        assert data == {"total": 0, "counts": [{"count": 0}] * 4}
        return
    if caller == "with-permission" or (operation, caller) == (
        "evaluationTemplates",
        "other-tenant",
    ):
        assert data, f"{caller} should see {operation}"
    else:
        assert not data, f"{caller} must not see {operation}: {data}"


def _mutations(w: dict[str, Any]) -> dict[str, tuple[str, dict[str, Any], set[str]]]:
    """Operation → (document, input, typenames that mean "reached the service")."""
    c1 = standard_c1().model_dump(mode="json")
    template = {
        "code": f"C.1-{new_id().hex[-8:]}",
        "version": 1,
        "titleZh": c1["title_zh"],
        "titleEn": c1["title_en"],
        "parts": [
            {
                "code": p["code"],
                "titleZh": p["title_zh"],
                "titleEn": p["title_en"],
                "kind": p["kind"],
                "maxPoints": p["max_points"],
                "items": [
                    {
                        "code": i["code"],
                        "textZh": i["text_zh"],
                        "textEn": i["text_en"],
                        "maxPoints": i["max_points"],
                        "deductionPerOccurrence": i["deduction_per_occurrence"],
                    }
                    for i in p["items"]
                ],
            }
            for p in c1["parts"]
        ],
    }
    define = """mutation($input: DefineEvaluationTemplateInput!) {
      defineEvaluationTemplate(input: $input) {
        __typename ... on Error { code message } ... on NotAuthorized { reason } } }"""
    card = w["card"]
    return {
        "openScorecard": (
            gql.OPEN,
            {
                "engagementId": w["engagement"],
                "periodStart": "2027-01-01",
                "periodEnd": "2027-06-30",
            },
            {"ScorecardSuccess"},
        ),
        "scoreItem": (
            gql.SCORE,
            {"scorecardId": card, "itemCode": "一.2", "points": "3", "justification": "制度齐全"},
            {"ScorecardSuccess"},
        ),
        "recordDeduction": (
            gql.DEDUCT,
            {"scorecardId": card, "itemCode": "四.5", "description": "泄密"},
            {"ScorecardSuccess"},
        ),
        "finalizeScorecard": (gql.FINALIZE, {"scorecardId": card}, {"IncompleteScorecard"}),
        "amendScorecard": (
            gql.AMEND,
            {"scorecardId": card, "reason": "x"},
            {"ScorecardNotFinalized"},
        ),
        "markScorecardFalsified": (
            gql.FALSIFY,
            {
                "scorecardId": card,
                "party": "x",
                "finding": "x",
                "evidence": [{"kind": "DOCUMENT", "ref": "r"}],
            },
            {"ScorecardSuccess"},
        ),
        "defineEvaluationTemplate": (define, template, {"DefineEvaluationTemplateSuccess"}),
    }


ADMIN_ONLY = {"defineEvaluationTemplate"}


async def counts(system: RunningSystem) -> list[int]:
    # Table names come from the TABLES constant, never from input.
    return [
        await system.count("evaluation", f"select count(*) from {t}")  # noqa: S608
        for t in TABLES
    ]


# Templates are reference data, not a tenant's: another agency's admin may define a
# variant too, so that pair is no denial (its permitted path is tested below).
DENIED = [
    (operation, caller)
    for operation in _mutations({"card": "", "engagement": ""})
    for caller in CALLERS
    if caller != "with-permission"
    and (operation, caller) != ("defineEvaluationTemplate", "other-tenant")
]


@pytest.mark.parametrize(("operation", "caller"), DENIED)
async def test_R7_a_denied_evaluation_mutation_writes_nothing(
    system: RunningSystem, world: dict[str, Any], operation: str, caller: str
):
    doc, data, _ = _mutations(world)[operation]
    before = await counts(system)
    body = system.api.gql(doc, {"input": data}, CALLERS[caller])
    assert "errors" not in body, body
    [result] = body["data"].values()
    expected = {"NotAuthorized", "ScorecardNotFound", "EngagementNotFound"}
    assert result["__typename"] in expected, result
    if caller != "other-tenant":
        assert result["__typename"] == "NotAuthorized"
    after = await counts(system)
    assert after == before


@pytest.mark.parametrize("operation", list(_mutations({"card": "", "engagement": ""})))
def test_R7_a_permitted_evaluation_mutation_reaches_the_service(
    system: RunningSystem, operation: str
):
    # A fresh engagement each, so one operation (falsification) cannot lock another's card.
    _, eng = gql.engagement(system.api, ADMIN)
    card = gql.open_for(system.api, EVALUATOR, eng)["scorecard"]["id"]
    doc, data, ok = _mutations({"card": card, "engagement": eng})[operation]
    tok = ADMIN if operation in ADMIN_ONLY else EVALUATOR
    body = system.api.gql(doc, {"input": data}, tok)
    assert "errors" not in body, body
    [result] = body["data"].values()
    assert result["__typename"] in ok, result
