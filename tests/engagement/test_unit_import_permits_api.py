"""Units imported with their permits over GraphQL on the running system (PostgreSQL and
SQLite): once the compliance service has consumed the import's events the permits are
in `permits(unitId)` and their execution reports on the calendar; the same file again
registers nothing new; a number the compliance service finds on another unit opens a
PERMIT_IMPORT_REFUSED item in the agency's myWork; refused permit rows are named by
sheet, row and column in the caller's language."""

from __future__ import annotations

import base64
from datetime import date, timedelta
from typing import Any

from kit.ids import new_id
from tests.e2e.harness import RunningSystem, eventually, new_uscc, token
from tests.engagement.unit_files import permit_row, permit_table, table, unit_row, workbook

IMPORT = """
mutation($input: ImportUnitsInput!) {
  importUnits(input: $input) {
    __typename
    ... on ImportUnitsSuccess { report {
      created unchanged rejectedRows permits permitsUnchanged rejectedPermitRows
      problems { sheet row column columnName code message } } }
    ... on Error { code message }
  }
}"""
UNITS = "query($s: String) { units(search: $s, first: 10) { edges { node { id uscc } } } }"
PERMITS = """
query($unit: ID!) { permits(unitId: $unit) {
  number authority category validFrom validTo reportSchedule { frequency } } }"""
CALENDAR = """
query($unit: ID) { complianceCalendar(unitId: $unit, kinds: [EXECUTION_REPORT], first: 100) {
  edges { node { ruleCode } } } }"""
MY_WORK = """
query { myWork(kinds: [PERMIT_IMPORT_REFUSED], first: 20) {
  totalCount edges { node { kind title } } } }"""


def send(system: RunningSystem, tok: str, content: bytes, language: str = "zh-CN") -> Any:
    variables = {
        "input": {"fileName": "units.xlsx", "contentBase64": base64.b64encode(content).decode()}
    }
    r = system.api.client.post(
        system.api.url + "/graphql",
        json={"query": IMPORT, "variables": variables},
        headers={"authorization": f"Bearer {tok}", "accept-language": language},
    )
    body = r.json()
    assert "errors" not in body, body
    result = body["data"]["importUnits"]
    assert result["__typename"] == "ImportUnitsSuccess", result
    return result["report"]


def unit_id(system: RunningSystem, tok: str, name: str) -> str | None:
    edges = system.api.gql(UNITS, {"s": name}, tok)["data"]["units"]["edges"]
    assert len(edges) <= 1, edges
    return str(edges[0]["node"]["id"]) if edges else None


def permits(system: RunningSystem, tok: str, unit: str) -> list[dict[str, Any]]:
    body = system.api.gql(PERMITS, {"unit": unit}, tok)
    assert "errors" not in body, body
    return sorted(body["data"]["permits"], key=lambda p: p["number"])


def number() -> str:
    return f"91440300{new_id().hex[-10:].upper()}001P"


def test_units_and_their_permits_reach_the_calendar_once(system: RunningSystem):
    agency = str(new_id())
    pm = token(f"agency:{agency}", "project_manager")
    a, b = new_uscc(), new_uscc()
    n1, n2, n3 = number(), number(), number()
    valid_to = (date.today() + timedelta(days=900)).isoformat()
    units = table([unit_row(a, name="许可证导入甲厂"), unit_row(b, name="许可证导入乙厂")])
    rows = [
        permit_row(a, n1, permitValidTo=valid_to),
        permit_row(
            a, n2, permitCategory="简化管理", permitReports="半年报", permitValidTo=valid_to
        ),
        permit_row(b, n3, permitCategory="登记管理", permitValidTo=valid_to),
    ]
    report = send(system, pm, workbook(units, permit_table(rows)))
    assert {k: report[k] for k in ("created", "permits", "rejectedRows", "problems")} == {
        "created": 2,
        "permits": 3,
        "rejectedRows": 0,
        "problems": [],
    }
    first = unit_id(system, pm, "许可证导入甲厂")
    assert first is not None

    # Registered by the compliance service once it has consumed the import's events.
    got = eventually(lambda: len(permits(system, pm, first)) == 2 and permits(system, pm, first))
    assert got == [
        {
            "number": p["permitNumber"],
            "authority": "苏州市生态环境局",
            "category": category,
            "validFrom": "2024-01-01",
            "validTo": valid_to,
            "reportSchedule": schedule,
        }
        for p, category, schedule in sorted(
            [
                (rows[0], "KEY", [{"frequency": "ANNUAL"}, {"frequency": "QUARTERLY"}]),
                (rows[1], "SIMPLIFIED", [{"frequency": "SEMIANNUAL"}]),
            ],
            key=lambda x: x[0]["permitNumber"],
        )
    ]
    nodes = system.api.gql(CALENDAR, {"unit": first}, pm)["data"]["complianceCalendar"]["edges"]
    assert {n["node"]["ruleCode"] for n in nodes} == {
        "permit.execution_report.annual",
        "permit.execution_report.quarterly",
        "permit.execution_report.semiannual",
    }
    # Another agency sees none of them.
    outsider = token(f"agency:{new_id()}", "project_manager")
    assert system.api.gql(PERMITS, {"unit": first}, outsider)["data"]["permits"] == []

    # The same file again: nothing new, once the engagement service has learnt the
    # registered numbers the permits count unchanged and are not sent again.
    second = unit_id(system, pm, "许可证导入乙厂")
    assert second is not None
    eventually(lambda: len(permits(system, pm, second)) == 1)
    again = eventually(
        lambda: (
            (r := send(system, pm, workbook(units, permit_table(rows))))["permitsUnchanged"] == 3
            and r
        )
    )
    assert (again["created"], again["unchanged"], again["permits"]) == (0, 2, 0)
    assert len(permits(system, pm, first)) == 2


def test_refused_permit_rows_in_english_and_a_conflict_in_my_work(system: RunningSystem):
    agency = str(new_id())
    pm = token(f"agency:{agency}", "project_manager")
    a, b = new_uscc(), new_uscc()
    bad = [permit_row(a, number(), permitValidFrom="2024-02-30")]
    report = send(system, pm, workbook(table([unit_row(a)]), permit_table(bad)), "en")
    assert (report["created"], report["rejectedRows"], report["rejectedPermitRows"]) == (0, 1, 1)
    assert report["problems"] == [
        {
            "sheet": "units",
            "row": 2,
            "column": None,
            "columnName": None,
            "code": "permit_refused",
            "message": "a permit of this unit is refused: rows 2 of the permits (排污许可证) sheet",
        },
        {
            "sheet": "permits",
            "row": 2,
            "column": "permitValidFrom",
            "columnName": "permitValidFrom",
            "code": "invalid",
            "message": "not a date such as 2024-01-01: 2024-02-30",
        },
    ]

    # A permit number another agency's unit holds, registered before this agency's
    # import is consumed: the compliance service refuses it and says so in myWork.
    other = str(new_id())
    other_pm = token(f"agency:{other}", "project_manager")
    taken = number()
    send(
        system,
        other_pm,
        workbook(table([unit_row(b, name="别家持证单位")]), permit_table([permit_row(b, taken)])),
    )
    # The compliance service registered it (the engagement service may not know it yet).
    holder = unit_id(system, other_pm, "别家持证单位")
    assert holder is not None
    eventually(lambda: [p["number"] for p in permits(system, other_pm, holder)] == [taken])
    mine = new_uscc()
    report = send(
        system,
        pm,
        workbook(table([unit_row(mine, name="冲突单位")]), permit_table([permit_row(mine, taken)])),
    )
    if report["permits"] == 1:  # handed over before the engagement service learnt the number
        work = eventually(
            lambda: (
                (w := system.api.gql(MY_WORK, {}, pm)["data"]["myWork"])["totalCount"] == 1 and w
            )
        )
        [edge] = work["edges"]
        assert edge["node"] == {
            "kind": "PERMIT_IMPORT_REFUSED",
            "title": f"排污许可证 {taken} 未导入：已登记于另一单位（许可证表第2行）",
        }
    else:  # refused at once: the number was known
        assert [(p["sheet"], p["code"]) for p in report["problems"]] == [
            ("units", "permit_refused"),
            ("permits", "already_registered"),
        ]
    assert [p["number"] for p in permits(system, other_pm, holder)] == [taken]
    conflicted = unit_id(system, pm, "冲突单位")
    if report["permits"] == 1:  # the unit was imported, its permit not
        assert conflicted is not None
        assert permits(system, pm, conflicted) == []
    else:  # a refused permit row refuses its unit's row: nothing imported
        assert conflicted is None
