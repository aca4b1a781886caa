"""Bulk import of units (#15 item 4), through the service's use case and the CLI, on
PostgreSQL and SQLite: what is created (units, outlets, contacts, search grams, one
UnitRegisteredV1 each in the outbox), every kind of refused row with its row number and
column, duplicates, re-runs, dry runs, GB18030 CSV and XLSX, refused files."""

from __future__ import annotations

import base64
import json
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import func, select

from contracts.core import Scope, ValidationFailed
from contracts.engagement import rpc_directory
from contracts.engagement.rpc_import import ImportReport, ImportUnitsRequest
from kit.db import Database
from kit.ids import new_id
from kit.rpc import CallContext
from services.engagement.directory import queries as directory_queries
from services.engagement.directory.importing import commands, domain
from services.engagement.directory.importing.batches import import_file
from services.engagement.directory.importing.reader import FileRow
from services.engagement.models import Unit, UnitContact, UnitFile, messaging
from tests.e2e.harness import new_uscc
from tests.engagement import registry_rows as registry
from tests.engagement.unit_files import csv_bytes, table, unit_row, xlsx_bytes

CTX = CallContext(actor="importer", tenant="agency:x", correlation_id="c")


async def run(
    db: Database, agency: UUID, content: bytes, name: str = "units.csv", dry_run: bool = False
) -> ImportReport:
    req = ImportUnitsRequest(
        file_name=name,
        content_base64=base64.b64encode(content).decode(),
        agency_id=agency,
        scope=Scope(agency_id=agency),
        dry_run=dry_run,
    )
    async with db.transaction() as s:
        return await commands.import_units(s, req, CTX)


async def units_of(db: Database, agency: UUID) -> dict[str, Unit]:
    async with db.transaction() as s:
        rows = await s.scalars(select(Unit).where(Unit.agency_id == agency))
        return {u.uscc: u for u in rows}


async def outbox_usccs(db: Database) -> list[str]:
    async with db.transaction() as s:
        payloads = await s.scalars(select(messaging.outbox.c.payload))
        return [
            json.loads(p)["data"]["uscc"] for p in payloads if "engagement.unit_registered.v1" in p
        ]


def problems(report: ImportReport) -> list[tuple[int, str | None, str, str, dict[str, Any]]]:
    return [(p.row, p.column, p.code, p.template, p.params) for p in report.problems]


async def test_good_csv_creates_units_outlets_contacts_and_their_events(db: Database):
    agency, codes = new_id(), [new_uscc("320506") for _ in range(3)]
    rows = [unit_row(codes[0], contactTitle="环保专员", contactEmail="li@example.cn")]
    rows += [unit_row(codes[1], name="苏州某某电镀厂", regionCode="320505", outlets="")]
    rows += [unit_row(codes[2], name="某某印染", legalRepresentative="王五", contactName="")]
    rows[2] |= {"contactPhone": ""}
    report = await run(db, agency, csv_bytes(table(rows)))

    assert (report.rows, report.created, report.unchanged, report.rejected_rows) == (3, 3, 0, 0)
    assert (report.problems, report.changed, report.dry_run) == ([], [], False)
    units = await units_of(db, agency)
    first, second, third = (units[c] for c in codes)
    assert (first.name, first.industry_code, first.region_code) == (
        "某某化工有限公司",
        "C2614",
        "320506",
    )
    assert first.outlets == [
        {"code": "DA001", "name": "锅炉废气排放口"},
        {"code": "DW001", "name": "废水总排口"},
    ]
    assert (second.region_code, second.outlets) == ("320505", [])
    assert (third.legal_representative, first.created_by) == ("王五", "importer")
    async with db.transaction() as s:
        contacts = {c.unit_id: c for c in await s.scalars(select(UnitContact))}
    assert set(contacts) == {first.id, second.id}
    c = contacts[first.id]
    assert (c.name, c.title, c.phone, c.email) == (
        "李四",
        "环保专员",
        "0512-12345678",
        "li@example.cn",
    )
    assert sorted(await outbox_usccs(db)) == sorted(codes)
    # Findable as createUnit's units are: by part of the Chinese name.
    async with db.transaction() as s:
        page = await directory_queries.list_units(
            s, rpc_directory.ListUnitsRequest(scope=Scope(agency_id=agency), search="电镀")
        )
    assert [u.uscc for u in page.items] == [codes[1]]


async def test_bad_rows_are_reported_by_row_and_column_and_import_nothing(db: Database):
    agency, good = new_id(), new_uscc()
    valid = new_uscc()
    wrong_check = valid[:17] + ("0" if valid[17] != "0" else "1")
    expected_check = valid[17]
    rows = [
        unit_row(good),  # row 2
        unit_row(wrong_check),  # row 3
        unit_row(new_uscc(), name="", industryCode="X99"),  # row 4
        unit_row(new_uscc(), outlets="DX001 排口；DW001"),  # row 5
        unit_row(new_uscc(), regionCode="990000"),  # row 6
        unit_row(new_uscc(), contactName="", contactEmail="not-mail"),  # row 7
        unit_row("123"),  # row 8
    ]
    report = await run(db, agency, csv_bytes(table(rows)))

    assert (report.rows, report.created, report.rejected_rows) == (7, 1, 6)
    assert problems(report) == [
        (
            3,
            "uscc",
            "invalid",
            "统一社会信用代码 check character is '{found}', expected '{expected}'",
            {"found": wrong_check[17], "expected": expected_check},
        ),
        (4, "name", "required", "this column is required", {}),
        (
            4,
            "industryCode",
            "invalid",
            "industry code must be a GB/T 4754 code such as C2614",
            {},
        ),
        (
            5,
            "outlets",
            "invalid",
            "outlet code {code} is not an HJ 608 code such as DA001 or DW001",
            {"code": "DX001"},
        ),
        (5, "outlets", "invalid", "outlet {code} has no name", {"code": "DW001"}),
        (
            6,
            "regionCode",
            "invalid",
            "region code must be a 6-digit GB/T 2260 code such as 320506",
            {},
        ),
        (7, "contactName", "required", "a contact needs a name", {}),
        (7, "contactEmail", "invalid", "not an e-mail address: {value}", {"value": "not-mail"}),
        (
            8,
            "uscc",
            "invalid",
            "统一社会信用代码 must be 18 characters, got {length}",
            {"length": 3},
        ),
    ]
    assert list(await units_of(db, agency)) == [good]
    assert await outbox_usccs(db) == [good]


async def test_duplicates_within_the_file_and_against_the_registry(db: Database):
    agency, other_agency = new_id(), new_id()
    twice, taken, fine = new_uscc(), new_uscc(), new_uscc()
    async with db.transaction() as s:
        await registry.entered_unit(
            s,
            rpc_directory.CreateUnitRequest(
                name="别家的单位",
                uscc=taken,
                industry_code="C26",
                address="a",
                agency_id=other_agency,
            ),
            CTX,
        )
    rows = [unit_row(twice), unit_row(taken), unit_row(fine), unit_row(twice, name="重复")]
    report = await run(db, agency, csv_bytes(table(rows)))

    # A USCC the registry has is entered as createUnit enters it (issue 14): created, on
    # the agency's own file of the unit; the report does not tell it from a new one.
    assert (report.created, report.unchanged, report.rejected_rows) == (2, 0, 2)
    assert problems(report) == [
        (
            2,
            "uscc",
            "duplicate_in_file",
            "统一社会信用代码 {uscc} is also in rows {rows}",
            {"uscc": twice, "rows": ["5"]},
        ),
        (
            5,
            "uscc",
            "duplicate_in_file",
            "统一社会信用代码 {uscc} is also in rows {rows}",
            {"uscc": twice, "rows": ["2"]},
        ),
    ]
    assert list(await units_of(db, agency)) == [fine]
    assert (await units_of(db, other_agency))[taken].name == "别家的单位"  # untouched
    async with db.transaction() as s:
        [file] = await s.scalars(select(UnitFile).where(UnitFile.agency_id == agency))
        assert (file.name, file.legal_representative, file.shared_at) == (
            "某某化工有限公司",
            None,
            None,
        )
        assert [o["code"] for o in file.outlets] == ["DA001", "DW001"]
        contacts = await s.scalars(select(UnitContact).where(UnitContact.file_id == file.id))
        assert [(c.name, c.phone) for c in contacts] == [("李四", "0512-12345678")]
    # Run again: the row is the agency's own unit now, unchanged.
    again = await run(db, agency, csv_bytes(table([unit_row(taken)])))
    assert (again.created, again.unchanged, again.problems) == (0, 1, [])


async def test_rerun_imports_nothing_again_and_reports_changed_rows(db: Database):
    agency, codes = new_id(), [new_uscc() for _ in range(3)]
    rows = [unit_row(c, name=f"单位{i}") for i, c in enumerate(codes)]
    first = await run(db, agency, csv_bytes(table(rows)))
    assert first.created == 3

    again = await run(db, agency, csv_bytes(table(rows)))
    assert (again.rows, again.created, again.unchanged, again.changed) == (3, 0, 3, [])
    assert len(await outbox_usccs(db)) == 3  # no event twice

    rows[1] = {**rows[1], "address": "新地址", "contactPhone": "13800000000"}
    rows[2] = {**rows[2], "outlets": ""}  # a blank cell changes nothing
    changed = await run(db, agency, csv_bytes(table(rows)))
    units = await units_of(db, agency)
    assert (changed.created, changed.unchanged) == (0, 2)
    assert [(c.row, c.unit_id, c.columns) for c in changed.changed] == [
        (3, units[codes[1]].id, ["address", "contactPhone"])
    ]
    assert changed.rejected_rows == 0
    assert units[codes[1]].address == "江苏省苏州市吴中区某路1号"  # not overwritten


async def test_dry_run_reports_and_writes_nothing(db: Database):
    agency, code = new_id(), new_uscc()
    report = await run(
        db, agency, csv_bytes(table([unit_row(code), unit_row("bad")])), dry_run=True
    )
    assert (report.rows, report.created, report.rejected_rows, report.dry_run) == (2, 1, 1, True)
    assert await units_of(db, agency) == {}
    assert await outbox_usccs(db) == []


async def test_gb18030_csv_as_chinese_excel_saves_it(db: Database):
    agency, code = new_id(), new_uscc()
    content = csv_bytes(table([unit_row(code, name="䶮字化工（GB18030）")]), "gb18030")
    with pytest.raises(UnicodeDecodeError):
        content.decode("utf-8")  # really not UTF-8
    report = await run(db, agency, content)
    assert report.created == 1
    assert (await units_of(db, agency))[code].name == "䶮字化工（GB18030）"


async def test_xlsx_with_english_headers_in_another_order(db: Database):
    agency, code = new_id(), new_uscc()
    rows = [
        ["address", "USCC", "Name", "industryCode", "*outlets*"],
        ["某路2号", code, "英文表头单位", "C26", "DW001：废水总排口"],
        ["", "", "", "", ""],  # blank rows are skipped
    ]
    report = await run(db, agency, xlsx_bytes(rows), "units.XLSX")
    assert (report.rows, report.created) == (1, 1)
    unit = (await units_of(db, agency))[code]
    assert (unit.name, unit.industry_code, unit.outlets) == (
        "英文表头单位",
        "C26",
        [{"code": "DW001", "name": "废水总排口"}],
    )


@pytest.mark.parametrize(
    ("name", "content", "template", "params"),
    [
        ("u.txt", b"x", "the file must be .xlsx or .csv, got {name}", {"name": "u.txt"}),
        ("u.csv", b"", "the file is empty: it has no header row", {}),
        (
            "u.csv",
            "单位名称,统一社会信用代码,行业代码,详细地址,排污许可证编号\n".encode(),
            "unknown columns: {columns}",
            {"columns": ["排污许可证编号"]},
        ),
        (
            "u.csv",
            "单位名称,行业代码\n".encode(),
            "required columns missing: {columns}",
            {"columns": ["统一社会信用代码", "详细地址"]},
        ),
        (
            "u.csv",
            "单位名称,name,统一社会信用代码,行业代码,详细地址\n".encode(),
            "columns given twice: {columns}",
            {"columns": ["单位名称"]},
        ),
        ("u.xlsx", b"PK not a zip", "the file is not a readable XLSX workbook", {}),
    ],
)
async def test_a_file_that_is_not_the_template_is_refused_whole(
    db: Database, name: str, content: bytes, template: str, params: dict[str, Any]
):
    with pytest.raises(ValidationFailed) as refused:
        await run(db, new_id(), content, name)
    assert (refused.value.field, refused.value.said.template) == ("file", template)
    assert refused.value.said.params == params


async def test_big_file_in_batches_each_with_its_events(db: Database):
    agency, codes = new_id(), [new_uscc() for _ in range(23)]
    seen: list[tuple[int, int]] = []
    rows = [unit_row(c, name=f"批量单位{i}") for i, c in enumerate(codes)]
    content = csv_bytes(table(rows))
    report = await import_file(
        db, "u.csv", content, agency, CTX, batch_size=10, on_rows=lambda d, t: seen.append((d, t))
    )
    assert (report.created, seen) == (23, [(0, 23), (10, 23), (20, 23), (23, 23)])
    assert sorted(await outbox_usccs(db)) == sorted(codes)
    again = await import_file(db, "u.csv", content, agency, CTX, batch_size=10)
    assert (again.created, again.unchanged) == (0, 23)
    async with db.transaction() as s:
        assert await s.scalar(select(func.count()).select_from(Unit)) == 23


async def test_a_unit_registered_meanwhile_rolls_the_batch_back_with_a_clear_error(db: Database):
    # Between a batch's lookup and its insert another import (or createUnit) may register
    # one of its USCCs: the unique index refuses it and the caller hears what to do.
    agency, code = new_id(), new_uscc()
    assert (await run(db, agency, csv_bytes(table([unit_row(code)])))).created == 1
    [row] = domain.check_rows([FileRow(2, unit_row(code))]).units
    with pytest.raises(ValidationFailed) as refused:
        async with db.transaction() as s:
            await commands._create(s, [row], agency, CTX)
    assert refused.value.field == "file"
    assert refused.value.said.template.startswith("some units of this file were registered")
    assert await outbox_usccs(db) == [code]


async def test_contacts_are_read_in_scope_only(db: Database):
    from contracts.engagement.rpc_import import UnitContactsRequest
    from services.engagement.directory.importing import queries

    agency, code = new_id(), new_uscc()
    await run(db, agency, csv_bytes(table([unit_row(code, contactTitle="厂长")])))
    unit_id = (await units_of(db, agency))[code].id
    missing = new_id()
    async with db.transaction() as s:
        mine = await queries.unit_contacts(
            s, UnitContactsRequest(unit_ids=[unit_id, missing], scope=Scope(agency_id=agency))
        )
        theirs = await queries.unit_contacts(
            s, UnitContactsRequest(unit_ids=[unit_id], scope=Scope(agency_id=new_id()))
        )
    assert [[c.model_dump() for c in cs] for cs in mine.items] == [
        [{"name": "李四", "title": "厂长", "phone": "0512-12345678", "email": None}],
        [],
    ]
    assert theirs.items == [[]]


async def test_imported_names_have_the_grams_create_unit_writes(db: Database):
    # The import writes the search grams in one statement; they must be the very rows
    # kit.search.index_text writes for a unit made by createUnit.
    from kit.search import grams as grams_of
    from services.engagement.models import unit_search_grams

    agency, code = new_id(), new_uscc()
    await run(db, agency, csv_bytes(table([unit_row(code, name="常州 新材料ABC厂")])))
    unit = (await units_of(db, agency))[code]
    async with db.transaction() as s:
        stored = await s.execute(
            select(unit_search_grams.c.gram, unit_search_grams.c.owner_id).where(
                unit_search_grams.c.owner_id == unit.id
            )
        )
        rows = sorted((r[0], r[1]) for r in stored)
    assert rows == sorted((g, unit.id) for g in grams_of("常州 新材料ABC厂"))
    assert unit.search_name == "常州新材料abc厂"
