"""R7.1 / R3: a regulator's region statistics through the gateway, on both stacks:
`regionStatistics` fans out to the engagement, evaluation and compliance services and
is scoped by the regulator's region prefix; the same as XLSX at
/reports/region-statistics.xlsx. Every figure's arithmetic is tested against seeded rows
in tests/{engagement,evaluation,compliance}/test_*statistics.py; here, engagements made
through the API, who sees them, and the workbook."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Iterator
from io import BytesIO
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook

from kit.db import Database
from kit.ids import new_id
from services.compliance import clock as compliance_clock
from services.engagement import clock as engagement_clock
from tests.compliance import test_region_statistics as obligation_world
from tests.e2e.conftest import backend_system
from tests.e2e.harness import RunningSystem, eventually, new_uscc, token
from tests.engagement import region_world
from tests.evaluation import test_grade_statistics as grade_world

X, Y = str(new_id()), str(new_id())
ADMIN_X = token(f"agency:{X}", "agency_admin", user="admin-x")
ADMIN_Y = token(f"agency:{Y}", "agency_admin", user="admin-y")
ENGINEER_X = token(f"agency:{X}", "engineer", user="eng-x")
REGULATOR = token("region:45", "regulator", user="reg-45")
CITY_REGULATOR = token("region:4501", "regulator", user="reg-4501")
OTHER_REGULATOR = token("region:11", "regulator", user="reg-11")
FORMULA_NAME = '=HYPERLINK("http://evil.example","点我")'

QUERY = """query($p: String!, $g: StatisticsGroup, $from: Date, $to: Date) {
  regionStatistics(regionPrefix: $p, groupBy: $g, fromDate: $from, toDate: $to) {
    regionPrefix groupBy groupByZh rowCount
    total { engagements overdueTimeNodes rectificationsRaised closureRate penaltyAmount }
    rows {
      key label engagements
      byStage { stage stageZh count }
      byMode { mode modeZh count }
      overdueTimeNodes overdueObligations rectificationsRaised rectificationsClosed
      closureRate meanDaysToClose recurringProblems emergencies meanResponseMinutes
      complaints penalties penaltyAmount grades { year grade count }
    }
  }
}"""


def raw_id(global_id: str) -> str:
    return base64.b64decode(global_id).decode().split(":", 1)[1]


@pytest.fixture(scope="module")
def world(system: RunningSystem) -> dict[str, Any]:
    """Two agencies, three units under 45 (two in 450101, one in 450102), one in 46."""
    made: dict[str, str] = {}
    made_by: dict[str, str] = {}
    for name, tok, region, modes in (
        (FORMULA_NAME, ADMIN_X, "450101", ["FIXED_RESIDENT", "ROVING"]),
        ("南宁二厂", ADMIN_X, "450102", ["ROVING"]),
        ("南宁三厂", ADMIN_Y, "450101", ["REMOTE_MONITORING"]),
        ("海口厂", ADMIN_X, "460101", ["ROVING"]),
    ):
        unit = system.api.create_unit(tok, name=name, uscc=new_uscc(region))["unit"]
        engagement = system.api.create_engagement(tok, unit["id"], serviceModes=modes)
        made[name] = raw_id(unit["id"])
        made_by[engagement["engagement"]["id"]] = tok
    for eid, tok in made_by.items():
        eventually(lambda: system.api.settled(tok, eid))  # noqa: B023 — called at once
    return made


def statistics(system: RunningSystem, tok: str | None, prefix: str, **variables: Any) -> Any:
    body = system.api.gql(QUERY, {"p": prefix, **variables}, tok)
    assert "errors" not in body, body
    return body["data"]["regionStatistics"]


def test_R7_1_engagements_by_stage_and_mode_per_region(system: RunningSystem, world: Any):
    found = statistics(system, REGULATOR, "45")
    assert (found["regionPrefix"], found["groupBy"], found["groupByZh"]) == (
        "45",
        "REGION",
        "行政区划",
    )
    assert [(r["key"], r["engagements"]) for r in found["rows"]] == [("450101", 2), ("450102", 1)]
    first = found["rows"][0]
    assert first["byStage"] == [{"stage": "PREPARATION", "stageZh": "准备阶段", "count": 2}]
    assert first["byMode"] == [
        {"mode": "FIXED_RESIDENT", "modeZh": "固定常驻", "count": 1},
        {"mode": "ROVING", "modeZh": "巡回流动", "count": 1},
        {"mode": "REMOTE_MONITORING", "modeZh": "远程监控", "count": 1},
    ]
    assert (first["rectificationsRaised"], first["closureRate"], first["meanDaysToClose"]) == (
        0,
        None,
        None,
    )
    assert (first["penaltyAmount"], first["grades"]) == ("0.00", [])
    assert found["total"] == {
        "engagements": 3,
        "overdueTimeNodes": 0,
        "rectificationsRaised": 0,
        "closureRate": None,
        "penaltyAmount": "0.00",
    }
    # A window the engagements' 2027 periods do not overlap has none of them.
    assert (
        statistics(system, REGULATOR, "45", **{"from": "2025-01-01", "to": "2025-12-31"})[
            "rowCount"
        ]
        == 0
    )


def test_R7_1_drill_down_to_agency_and_unit(system: RunningSystem, world: Any):
    agencies = statistics(system, REGULATOR, "45", g="AGENCY")["rows"]
    assert sorted((r["key"], r["engagements"]) for r in agencies) == sorted([(X, 2), (Y, 1)])
    units = statistics(system, REGULATOR, "4501", g="UNIT")["rows"]
    assert sorted((r["label"], r["engagements"]) for r in units) == sorted(
        [(FORMULA_NAME, 1), ("南宁二厂", 1), ("南宁三厂", 1)]
    )
    assert {r["key"] for r in units} == {world[FORMULA_NAME], world["南宁二厂"], world["南宁三厂"]}


def test_R3_scoped_by_the_regulators_region_prefix(system: RunningSystem, world: Any):
    city = statistics(system, CITY_REGULATOR, "450101")
    assert [(r["key"], r["engagements"]) for r in city["rows"]] == [("450101", 2)]
    # Wider than its own region, another region, everything: null, as an unknown region.
    assert statistics(system, CITY_REGULATOR, "45") is None
    assert statistics(system, OTHER_REGULATOR, "45") is None
    assert statistics(system, REGULATOR, "") is None
    assert statistics(system, None, "45") is None
    assert statistics(system, ENGINEER_X, "45") is None


def test_R3_an_agency_admin_sees_its_own_engagements_only(system: RunningSystem, world: Any):
    mine = statistics(system, ADMIN_X, "")
    assert [(r["key"], r["engagements"]) for r in mine["rows"]] == [
        ("450101", 1),
        ("450102", 1),
        ("460101", 1),
    ]
    assert [(r["key"], r["engagements"]) for r in statistics(system, ADMIN_Y, "45")["rows"]] == [
        ("450101", 1)
    ]


@pytest.mark.parametrize("prefix", ["45x", "4501011", "45\n", " 45"])
def test_a_malformed_prefix_is_a_validation_error(system: RunningSystem, world: Any, prefix: str):
    body = system.api.gql(QUERY, {"p": prefix}, REGULATOR)
    [error] = body["errors"]
    assert error["extensions"]["code"] == "VALIDATION_FAILED", error
    assert body["data"]["regionStatistics"] is None


def xlsx(system: RunningSystem, tok: str | None, **params: str) -> httpx.Response:
    headers = {"authorization": f"Bearer {tok}"} if tok else {}
    return httpx.get(
        system.stack.gateway_url + "/reports/region-statistics.xlsx",
        params=params,
        headers=headers,
        timeout=30,
    )


def test_R7_1_region_statistics_as_xlsx(system: RunningSystem, world: Any):
    r = xlsx(system, REGULATOR, regionPrefix="45", groupBy="UNIT")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "region-statistics-45-unit.xlsx" in r.headers["content-disposition"]
    book = load_workbook(BytesIO(r.content))
    assert book.sheetnames == ["辖区统计", "评价等级"]
    sheet = book["辖区统计"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0][:4] == ["区划代码前缀", "45", "统计期间", "— 至 —"]
    header = rows[1]
    assert header[:8] == [
        "排污单位",
        "编码",
        "托管项目数",
        "准备阶段",
        "实施阶段",
        "成果阶段",
        "评价阶段",
        "已结束",
    ]
    assert header[-1] == "处罚金额（元）"
    body = sorted(rows[2:-1], key=lambda r: str(r[0]))
    # The unit named like a formula is shown as text, never run.
    named = {r[0]: r for r in body}
    assert set(named) == {"'" + FORMULA_NAME, "南宁二厂", "南宁三厂"}
    assert named["'" + FORMULA_NAME][1:4] == [world[FORMULA_NAME], 1, 1]
    formula_cell = next(c for c in sheet["A"] if c.value == "'" + FORMULA_NAME)
    assert formula_cell.data_type == "s"
    assert rows[-1][:3] == ["合计", None, 3]  # an empty cell reads back as None
    assert [[c.value for c in row] for row in book["评价等级"].iter_rows()] == [
        ["排污单位", "编码", "年度", "优秀", "良好", "合格", "不合格"]
    ]


def test_R3_xlsx_refuses_like_the_query(system: RunningSystem, world: Any):
    assert xlsx(system, None, regionPrefix="45").status_code == 401
    assert xlsx(system, OTHER_REGULATOR, regionPrefix="45").status_code == 404
    assert xlsx(system, ENGINEER_X, regionPrefix="45").status_code == 404
    bad = xlsx(system, REGULATOR, regionPrefix="4x")
    assert (bad.status_code, bad.json()["detail"]["field"]) == (400, "regionPrefix")
    assert xlsx(system, REGULATOR, regionPrefix="45", groupBy="CITY").status_code == 400
    assert xlsx(system, REGULATOR, regionPrefix="45", fromDate="2027-13-01").status_code == 400


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def seeded_system(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningSystem]:
    """A stack of this module's own: `region_44` writes rows straight into the services'
    databases, and its figures are every engagement under 44, where the other modules'
    units live on the shared `system` (new_uscc registers them in 440300)."""
    yield from backend_system(request, tmp_path_factory)


@pytest.fixture(scope="module")
def region_44(seeded_system: RunningSystem) -> None:
    """The seeded region of the service tests (440305, 440306 and 110101 outside),
    written into the running services' databases: engagements with rectifications,
    emergencies, complaints and penalties; finalised scorecards in 2026 and 2027;
    overdue obligations. Dates follow each service's today."""

    def database(service: str) -> Database:
        return Database(seeded_system.database_urls[service], schema=service)

    async def seed() -> None:
        engagement, evaluation, compliance = (
            database(s) for s in ("engagement", "evaluation", "compliance")
        )
        try:
            await region_world.seed(engagement, engagement_clock.today())
            await grade_world.seed(evaluation)
            await obligation_world.seed(compliance, compliance_clock.today())
        finally:
            for db in (engagement, evaluation, compliance):
                await db.dispose()

    asyncio.run(seed())


ROW_FIGURES = """rows { key engagements overdueTimeNodes overdueObligations
  rectificationsRaised rectificationsClosed closureRate meanDaysToClose recurringProblems
  emergencies emergenciesInTime meanResponseMinutes complaints complaintsVerified penalties
  penaltyAmount grades { year grade gradeZh count } }"""
FIGURES = f"""query($g: StatisticsGroup) {{ regionStatistics(regionPrefix: "44", groupBy: $g) {{
  {ROW_FIGURES} total {{ {ROW_FIGURES.removeprefix("rows {").removesuffix("}")} }} }} }}"""


def test_R7_1_exact_figures_of_a_seeded_region(seeded_system: RunningSystem, region_44: None):
    system = seeded_system
    body = system.api.gql(FIGURES, {"g": "REGION"}, token("region:44", "regulator"))
    assert "errors" not in body, body
    found = body["data"]["regionStatistics"]
    [r305, r306] = found["rows"]
    assert r305 == {
        "key": "440305",
        "engagements": 2,
        "overdueTimeNodes": 2,
        "overdueObligations": 2,
        "rectificationsRaised": 4,
        "rectificationsClosed": 2,
        "closureRate": "0.500",
        "meanDaysToClose": "7.0",  # (10 + 4) / 2
        "recurringProblems": 1,  # 废气 twice at 一号厂
        "emergencies": 2,
        "emergenciesInTime": 1,
        "meanResponseMinutes": "60.0",  # (30 + 90) / 2
        "complaints": 2,
        "complaintsVerified": 1,
        "penalties": 1,
        "penaltyAmount": "10000.50",
        "grades": [
            {"year": 2026, "grade": "EXCELLENT", "gradeZh": "优秀", "count": 1},
            {"year": 2026, "grade": "QUALIFIED", "gradeZh": "合格", "count": 1},
            {"year": 2027, "grade": "GOOD", "gradeZh": "良好", "count": 1},
            {"year": 2027, "grade": "QUALIFIED", "gradeZh": "合格", "count": 1},
        ],
    }
    assert (r306["key"], r306["closureRate"], r306["meanDaysToClose"]) == (
        "440306",
        "1.000",
        "30.0",
    )
    assert (r306["overdueObligations"], r306["penaltyAmount"]) == (1, "2000.00")
    assert r306["grades"] == [
        {"year": 2027, "grade": "UNQUALIFIED", "gradeZh": "不合格", "count": 1}
    ]
    total = found["total"]
    assert (total["key"], total["engagements"], total["overdueObligations"]) == ("", 3, 3)
    # Means over the total are weighted by what they average: 44 days over 3 closed.
    assert (total["closureRate"], total["meanDaysToClose"]) == ("0.600", "14.7")
    assert (total["penalties"], total["penaltyAmount"]) == (2, "12000.50")
    assert len(total["grades"]) == 5


def test_R7_1_exact_figures_per_agency(seeded_system: RunningSystem, region_44: None):
    system = seeded_system
    body = system.api.gql(FIGURES, {"g": "AGENCY"}, token("region:44", "regulator"))
    rows = {r["key"]: r for r in body["data"]["regionStatistics"]["rows"]}
    a1, a2 = rows[str(region_world.A1)], rows[str(region_world.A2)]
    assert (a1["engagements"], a1["rectificationsClosed"], a1["meanDaysToClose"]) == (2, 3, "14.7")
    assert (a2["engagements"], a2["closureRate"], a2["complaints"]) == (1, "0.000", 1)
    # The obligation of a unit no agency serves has its own row, keyed ''.
    assert rows[""]["overdueObligations"] == 1


def test_R7_1_seeded_figures_as_xlsx(seeded_system: RunningSystem, region_44: None):
    system = seeded_system
    r = xlsx(system, token("region:44", "regulator"), regionPrefix="44")
    book = load_workbook(BytesIO(r.content))
    rows = [[c.value for c in row] for row in book["辖区统计"].iter_rows()]
    header = rows[1]
    by_key = {row[1]: dict(zip(header, row, strict=True)) for row in rows[2:]}
    r305 = by_key["440305"]
    assert (r305["托管项目数"], r305["实施阶段"], r305["准备阶段"]) == (2, 1, 1)
    assert (r305["整改闭环率"], r305["平均整改天数"], r305["平均响应分钟"]) == (0.5, 7.0, 60.0)
    assert (r305["行政处罚"], r305["处罚金额（元）"]) == (1, 10000.5)
    assert by_key[None]["行政区划代码"] == "合计"
    grades = [[c.value for c in row] for row in book["评价等级"].iter_rows()]
    assert ["440305", "440305", 2026, 1, 0, 1, 0] in grades
