"""GraphQL documents and helpers the evaluation end-to-end tests share."""

from __future__ import annotations

import base64
from typing import Any

from tests.e2e.harness import Api, eventually

CARD = """id version status total scoredTotal deducted grade gradeZh periodLabel evaluators
  openedAutomatically previousId amendmentReason
  results { itemCode maxPoints points evaluators }
  scores { itemCode evaluator points suggestedPoints overrideReason }
  deductions { itemCode points }
  falsification { party decidedBy }"""
ERRORS = """... on Error { code message }
    ... on NotAuthorized { reason }
    ... on ValidationError { field }"""
OUT_OF_RANGE = "... on ScoreOutOfRange { item max }"
INCOMPLETE = "... on IncompleteScorecard { missing }"
LOCKED = "... on ScorecardLocked { status }"


def mutation(name: str, input_type: str, *fragments: str) -> str:
    return f"""mutation($input: {input_type}!) {{
  {name}(input: $input) {{
    __typename
    ... on ScorecardSuccess {{ scorecard {{ {CARD} }} }}
    {ERRORS}
    {" ".join(fragments)}
  }}
}}"""


OPEN = mutation("openScorecard", "OpenScorecardInput")
SCORE = mutation("scoreItem", "ScoreItemInput", OUT_OF_RANGE, LOCKED)
DEDUCT = mutation("recordDeduction", "RecordDeductionInput", LOCKED)
FINALIZE = mutation("finalizeScorecard", "FinalizeScorecardInput", INCOMPLETE, LOCKED)
AMEND = mutation("amendScorecard", "AmendScorecardInput", LOCKED)
FALSIFY = mutation("markScorecardFalsified", "MarkScorecardFalsifiedInput", LOCKED)
SCORECARD = f"query($id: ID!) {{ scorecard(id: $id) {{ {CARD} }} }}"
SUGGESTIONS = (
    "query($id: ID!) { scorecard(id: $id) { suggestions { itemCode points maxPoints rationale } } }"
)
XLSX = "query($id: ID!) { scorecard(id: $id) { xlsx { filename mediaType contentBase64 } } }"
DISCLOSURES = """{ falsificationDisclosures(first: 100) {
  totalCount edges { node { unitName party finding grade total periodLabel agencyId decidedAs
  } } } }"""
TEMPLATES = "{ evaluationTemplates { code version parts { code maxPoints items { code } } } }"


def uuid_of(global_id: str) -> str:
    return base64.b64decode(global_id).decode().split(":", 1)[1]


def run(api: Api, doc: str, tok: str | None, **variables: Any) -> dict[str, Any]:
    body = api.gql(doc, variables, tok)
    assert "errors" not in body, body
    [result] = body["data"].values()
    assert isinstance(result, dict) or result is None
    return result or {}


def engagement(api: Api, admin: str, region: str = "440300") -> tuple[str, str]:
    """A registered unit and engagement, once the evaluation service knows of it."""
    from tests.e2e.harness import new_uscc

    unit = api.create_unit(admin, uscc=new_uscc(region))["unit"]
    eng = api.create_engagement(admin, unit["id"])["engagement"]
    eventually(lambda: api.settled(admin, eng["id"]))
    return unit["id"], eng["id"]


def open_for(api: Api, tok: str, engagement_id: str) -> dict[str, Any]:
    return run(
        api,
        OPEN,
        tok,
        input={
            "engagementId": engagement_id,
            "periodStart": "2027-01-01",
            "periodEnd": "2027-12-31",
        },
    )
