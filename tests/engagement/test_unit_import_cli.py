"""`ecohost import units FILE` run as a user runs it: the command line, straight on the
engagement database named by `ECOHOST_ENGAGEMENT_*` (no services needed), on PostgreSQL
and SQLite; and `ecohost import template`."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest

from cli.main import main
from kit.ids import new_id
from tests.e2e.harness import new_uscc
from tests.engagement.unit_files import csv_bytes, permit_row, permit_table, table, unit_row


@pytest.fixture
def engagement_db(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("ECOHOST_ENGAGEMENT_DATABASE_URL", database_url)
    monkeypatch.setenv("ECOHOST_ENGAGEMENT_DATABASE_SCHEMA", "engagement")
    assert main(["migrate", "engagement"]) == 0
    return database_url


def test_cli_imports_a_file_with_a_progress_bar_and_reruns_cleanly(
    engagement_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    agency, codes = new_id(), [new_uscc() for _ in range(5)]
    rows = [unit_row(c, name=f"命令行单位{i}") for i, c in enumerate(codes)]
    rows.append(unit_row("91320506MA1M9XK3D0"))  # row 7: a wrong check character
    path = tmp_path / "units.csv"
    path.write_bytes(csv_bytes(table(rows), "gb18030"))
    capsys.readouterr()

    code = main(["import", "units", str(path), "--agency", str(agency), "--batch", "2"])
    out, err = capsys.readouterr()
    report = json.loads(out)
    assert code == 1  # a row was refused
    assert (report["rows"], report["created"], report["rejected_rows"]) == (6, 5, 1)
    [problem] = report["problems"]
    assert (problem["row"], problem["column"], problem["code"]) == (
        7,
        "统一社会信用代码",
        "invalid",
    )
    assert problem["message"].startswith("统一社会信用代码")
    assert "5 / 5 rows" in err
    assert "[" + "#" * 30 + "]" in err

    rows.pop()
    path.write_bytes(csv_bytes(table(rows)))
    code = main(["import", "units", str(path), "--agency", str(agency), "--quiet", "--lang", "en"])
    out, err = capsys.readouterr()
    report = json.loads(out)
    assert (code, report["created"], report["unchanged"], report["problems"], err) == (
        0,
        0,
        5,
        [],
        "",
    )


def test_cli_refuses_a_file_that_is_not_the_template(
    engagement_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    path = tmp_path / "units.csv"
    path.write_text("单位名称,行业代码\n", encoding="utf-8")
    capsys.readouterr()
    code = main(["import", "units", str(path), "--agency", str(new_id()), "--quiet"])
    assert code == 2
    assert json.loads(capsys.readouterr().out) == {
        "error": "validation_failed",
        "message": "缺少必填列：统一社会信用代码、详细地址",
    }


def test_cli_writes_the_template(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    path = tmp_path / "template.xlsx"
    assert main(["import", "template", str(path)]) == 0
    book = openpyxl.load_workbook(path)
    header = [c.value for c in book.worksheets[0][1]]
    assert header[:4] == ["单位名称*", "统一社会信用代码*", "行业代码*", "详细地址*"]
    assert book.sheetnames == ["排污单位", "排污许可证", "填写说明"]
    assert [c.value for c in book["排污许可证"][1]] == [
        "统一社会信用代码*",
        "许可证编号*",
        "发证机关*",
        "管理类别*",
        "有效期起*",
        "有效期止*",
        "执行报告频次",
    ]
    csv_path = tmp_path / "template.csv"
    assert main(["import", "template", str(csv_path)]) == 0
    assert csv_path.read_bytes().startswith("\ufeff单位名称*,".encode())
    permits_path = tmp_path / "permits.csv"
    assert main(["import", "template", str(permits_path), "--permits"]) == 0
    assert permits_path.read_bytes().startswith("\ufeff统一社会信用代码*,许可证编号*,".encode())


def test_cli_imports_units_with_a_permits_file_and_names_refused_permit_rows(
    engagement_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    agency, good, bad = new_id(), new_uscc(), new_uscc()
    units = tmp_path / "units.csv"
    units.write_bytes(csv_bytes(table([unit_row(good), unit_row(bad, name="乙")])))
    permits = tmp_path / "permits.csv"
    rows = [
        permit_row(good, f"91320506{new_id().hex[-10:].upper()}001P"),
        permit_row(bad, f"91320506{new_id().hex[-10:].upper()}002P", permitCategory="甲类"),
    ]
    permits.write_bytes(csv_bytes(permit_table(rows), "gb18030"))
    capsys.readouterr()

    args = ["import", "units", str(units), "--agency", str(agency), "--quiet"]
    code = main([*args, "--permits", str(permits)])
    report = json.loads(capsys.readouterr().out)
    assert code == 1
    assert (report["created"], report["permits"], report["rejected_permit_rows"]) == (1, 1, 1)
    assert [(p["sheet"], p["row"], p["column"], p["code"]) for p in report["problems"]] == [
        ("units", 3, None, "permit_refused"),
        ("permits", 3, "管理类别", "invalid"),
    ]
    assert (
        report["problems"][1]["message"]
        == "管理类别只能是重点管理、简化管理或登记管理，不能是“甲类”"
    )

    rows.pop()
    permits.write_bytes(csv_bytes(permit_table(rows)))
    units.write_bytes(csv_bytes(table([unit_row(good)])))
    code = main([*args, "--permits", str(permits)])
    report = json.loads(capsys.readouterr().out)
    assert (code, report["unchanged"], report["permits"], report["problems"]) == (0, 1, 1, [])
