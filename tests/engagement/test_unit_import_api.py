"""`importUnits` and `unitImportTemplate` over GraphQL on the running system (PostgreSQL
and SQLite): the report with its messages in Chinese and in English, the units it made
visible in the directory, the template round trip, refused files and denied callers."""

from __future__ import annotations

import base64
from typing import Any

from kit.ids import new_id
from tests.e2e.harness import RunningSystem, new_uscc, token
from tests.engagement.unit_files import csv_bytes, table, unit_row, xlsx_bytes

IMPORT = """
mutation($input: ImportUnitsInput!) {
  importUnits(input: $input) {
    __typename
    ... on ImportUnitsSuccess { report {
      rows created unchanged rejectedRows dryRun
      changed { row unitId columns columnNames }
      problems { row column columnName code message } } }
    ... on Error { code message }
    ... on ValidationError { field }
    ... on NotAuthorized { reason }
  }
}"""
TEMPLATE = """
query($format: ImportFileFormat!) {
  unitImportTemplate(format: $format) {
    fileName contentType contentBase64 columns { key name required }
  }
}"""
UNITS = "query($s: String) { units(search: $s, first: 10) { edges { node { uscc name } } } }"
CONTACTS = """
query($s: String) { units(search: $s, first: 10) { edges { node {
  profile { outlets { code name } } contacts { name title phone email } } } } }"""


def send(
    system: RunningSystem,
    tok: str | None,
    content: bytes,
    name: str = "units.csv",
    dry_run: bool = False,
    language: str | None = None,
) -> dict[str, Any]:
    variables = {
        "input": {
            "fileName": name,
            "contentBase64": base64.b64encode(content).decode(),
            "dryRun": dry_run,
        }
    }
    headers = {"authorization": f"Bearer {tok}"} if tok else {}
    if language:
        headers["accept-language"] = language
    r = system.api.client.post(
        system.api.url + "/graphql", json={"query": IMPORT, "variables": variables}, headers=headers
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]["importUnits"]
    return result


def found(system: RunningSystem, tok: str, search: str) -> list[tuple[str, str]]:
    edges = system.api.gql(UNITS, {"s": search}, tok)["data"]["units"]["edges"]
    return sorted((e["node"]["uscc"], e["node"]["name"]) for e in edges)


def test_import_reports_rows_in_chinese_and_units_appear_in_the_directory(system: RunningSystem):
    agency = str(new_id())
    pm = token(f"agency:{agency}", "project_manager")
    good, bad = new_uscc(), new_uscc()[:17]
    rows = [unit_row(good, name="导入甲化工"), unit_row(bad + "?", industryCode="Z")]
    result = send(system, pm, csv_bytes(table(rows)))

    assert result["__typename"] == "ImportUnitsSuccess", result
    report = result["report"]
    assert {k: report[k] for k in ("rows", "created", "unchanged", "rejectedRows", "dryRun")} == {
        "rows": 2,
        "created": 1,
        "unchanged": 0,
        "rejectedRows": 1,
        "dryRun": False,
    }
    assert report["problems"] == [
        {
            "row": 3,
            "column": "uscc",
            "columnName": "统一社会信用代码",
            "code": "invalid",
            "message": "统一社会信用代码含有 GB 32100 以外的字符"
            "（只允许数字和除 I、O、Z、S、V 外的大写字母）",
        },
        {
            "row": 3,
            "column": "industryCode",
            "columnName": "行业代码",
            "code": "invalid",
            "message": "行业代码须为 GB/T 4754 代码，如 C2614",
        },
    ]
    assert found(system, pm, "导入甲") == [(good, "导入甲化工")]
    [edge] = system.api.gql(CONTACTS, {"s": "导入甲"}, pm)["data"]["units"]["edges"]
    assert edge["node"] == {
        "profile": {
            "outlets": [
                {"code": "DA001", "name": "锅炉废气排放口"},
                {"code": "DW001", "name": "废水总排口"},
            ]
        },
        "contacts": [{"name": "李四", "title": None, "phone": "0512-12345678", "email": None}],
    }
    outsider = token(f"agency:{new_id()}", "project_manager")
    assert system.api.gql(CONTACTS, {"s": "导入甲"}, outsider)["data"]["units"]["edges"] == []

    # The same file again: nothing new, the good row unchanged.
    again = send(system, pm, csv_bytes(table(rows)))["report"]
    assert (again["created"], again["unchanged"], again["rejectedRows"]) == (0, 1, 1)


def test_import_messages_in_english_and_changed_rows(system: RunningSystem):
    agency = str(new_id())
    pm = token(f"agency:{agency}", "agency_admin")
    code, twice = new_uscc(), new_uscc()
    assert send(system, pm, csv_bytes(table([unit_row(code)])))["report"]["created"] == 1
    rows = [unit_row(code, address="新地址"), unit_row(twice), unit_row(twice)]
    result = send(system, pm, xlsx_bytes(table(rows)), "u.xlsx", dry_run=True, language="en")
    report = result["report"]
    assert (report["created"], report["dryRun"]) == (0, True)
    [changed] = report["changed"]
    assert (changed["row"], changed["columns"], changed["columnNames"]) == (
        2,
        ["address"],
        ["address"],
    )
    assert [(p["row"], p["columnName"], p["message"]) for p in report["problems"]] == [
        (3, "uscc", f"USCC {twice} is also in rows 4"),
        (4, "uscc", f"USCC {twice} is also in rows 3"),
    ]
    zh = send(system, pm, xlsx_bytes(table(rows)), "u.xlsx", dry_run=True)["report"]
    assert zh["problems"][0]["message"] == f"统一社会信用代码 {twice} 在第 4 行重复出现"
    assert zh["changed"][0]["columnNames"] == ["详细地址"]


def test_a_file_not_like_the_template_is_a_validation_error(system: RunningSystem):
    pm = token(f"agency:{new_id()}", "project_manager")
    header = "单位名称,统一社会信用代码,行业代码,详细地址,排污许可证编号\n".encode()
    result = send(system, pm, header)
    assert result == {
        "__typename": "ValidationError",
        "code": "validation_failed",
        "message": "无法识别的列：排污许可证编号（请使用导入模板的列名）",
        "field": "file",
    }
    result = send(system, pm, b"", "units.pdf", language="en")
    assert (result["field"], result["message"]) == (
        "file",
        "The file must be .xlsx or .csv, got units.pdf",
    )


def test_template_downloads_and_imports_back(system: RunningSystem):
    agency = str(new_id())
    pm = token(f"agency:{agency}", "project_manager")
    for fmt, kind in (("XLSX", "spreadsheetml"), ("CSV", "text/csv")):
        got = system.api.gql(TEMPLATE, {"format": fmt}, pm)["data"]["unitImportTemplate"]
        assert got["fileName"] == f"units-template.{fmt.lower()}"
        assert kind in got["contentType"]
        assert [c["name"] for c in got["columns"] if c["required"]] == [
            "单位名称",
            "统一社会信用代码",
            "行业代码",
            "详细地址",
        ]
        empty = send(system, pm, base64.b64decode(got["contentBase64"]), got["fileName"])
        assert empty["report"]["rows"] == 0, empty


def test_callers_who_may_not_create_units_import_nothing(system: RunningSystem):
    agency = str(new_id())
    code = new_uscc()
    content = csv_bytes(table([unit_row(code, name="不应导入的单位")]))
    engineer = token(f"agency:{agency}", "engineer")
    client = token(f"unit:{new_id()}", "client_admin")
    assert send(system, None, content)["reason"] == "AUTHENTICATION_REQUIRED"
    assert send(system, engineer, content)["reason"] == "PERMISSION_DENIED"
    assert send(system, client, content)["reason"] == "PERMISSION_DENIED"
    template = system.api.gql(TEMPLATE, {"format": "CSV"}, engineer)["data"]
    assert template["unitImportTemplate"] is None
    admin = token(f"agency:{agency}", "agency_admin")
    assert found(system, admin, "不应导入") == []
