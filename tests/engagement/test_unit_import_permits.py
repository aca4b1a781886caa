"""Permits (排污许可证) imported with their units (#15 item 4), on PostgreSQL and SQLite:
the engagement service's side (the 排污许可证 sheet or a permits CSV, every refused
permit row by sheet, row and column, its unit refused with it, duplicates within the
file and against the registered permits, one UnitPermitsImportedV1 per unit in the
outbox after its UnitRegisteredV1) and the compliance service's side (the event
registers the permits and their occurrences once; conflicts open a myWork item)."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from datetime import date
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import select

from contracts.compliance.enums import Frequency, ManagementCategory, WorkKind
from contracts.core import NotAuthorized, Scope, ValidationFailed
from contracts.engagement.event_data import ImportedPermit
from contracts.engagement.events import UnitPermitsImportedV1, UnitRegisteredV1
from contracts.engagement.rpc_import import ImportReport, ImportUnitsRequest
from kit.db import Database
from kit.ids import new_id
from kit.rpc import CallContext
from services.compliance import app as compliance_app
from services.compliance.intake.commands import on_engagement_event
from services.compliance.models import Occurrence, Permit, WorkItem
from services.compliance.models import messaging as compliance_messaging
from services.engagement.directory.importing import commands
from services.engagement.directory.importing import repository as import_repository
from services.engagement.directory.importing.batches import import_file
from services.engagement.models import Unit, messaging
from tests.e2e.harness import new_uscc
from tests.engagement.unit_files import (
    csv_bytes,
    permit_row,
    permit_table,
    table,
    unit_row,
    workbook,
)
from tests.infra.databases import migrated_database

CTX = CallContext(actor="importer", tenant="agency:x", correlation_id="c")
PERMITS = "permits"


@pytest.fixture
async def compliance_db(database_url: str) -> AsyncIterator[Database]:
    async with migrated_database(database_url, "compliance", compliance_app.MIGRATIONS) as database:
        yield database


async def run(
    db: Database,
    agency: UUID,
    content: bytes,
    name: str = "units.xlsx",
    permits: tuple[str, bytes] | None = None,
    dry_run: bool = False,
) -> ImportReport:
    req = ImportUnitsRequest(
        file_name=name,
        content_base64=base64.b64encode(content).decode(),
        agency_id=agency,
        scope=Scope(agency_id=agency),
        dry_run=dry_run,
        permits_file_name=permits[0] if permits else None,
        permits_content_base64=base64.b64encode(permits[1]).decode() if permits else None,
    )
    async with db.transaction() as s:
        return await commands.import_units(s, req, CTX)


async def outbox(db: Database) -> list[dict[str, Any]]:
    """The events in the outbox, in the order the relay publishes them."""
    async with db.transaction() as s:
        rows = await s.execute(select(messaging.outbox.c.payload).order_by(messaging.outbox.c.seq))
        return [json.loads(p) for (p,) in rows]


async def unit_ids(db: Database, agency: UUID) -> dict[str, UUID]:
    async with db.transaction() as s:
        return {u.uscc: u.id for u in await s.scalars(select(Unit).where(Unit.agency_id == agency))}


def problems(report: ImportReport) -> list[tuple[str, int, str | None, str, str, dict[str, Any]]]:
    return [(p.sheet, p.row, p.column, p.code, p.template, p.params) for p in report.problems]


def number() -> str:
    return f"91320506{new_id().hex[-10:].upper()}001P"


async def test_a_workbook_with_a_permits_sheet_hands_each_units_permits_over(db: Database):
    agency, a, b, c = new_id(), new_uscc(), new_uscc(), new_uscc()
    n1, n2, n3 = number(), number(), number()
    units = table([unit_row(a, name="甲化工"), unit_row(b, name="乙电镀"), unit_row(c)])
    permits = permit_table(
        [
            permit_row(a, n1, permitReports="年报；季报"),
            permit_row(b, n2, permitCategory="简化管理", permitValidFrom="2025/3/1"),
            permit_row(a, n3, permitCategory="登记管理", permitValidTo="2029年2月28日"),
        ]
    )
    report = await run(db, agency, workbook(units, permits))

    assert (report.rows, report.created, report.rejected_rows, report.problems) == (3, 3, 0, [])
    assert (report.permits, report.permits_unchanged, report.rejected_permit_rows) == (3, 0, 0)
    ids = await unit_ids(db, agency)
    events = await outbox(db)
    types = [e["type"] for e in events]
    assert (
        types
        == [UnitRegisteredV1.model_fields["type"].default] * 3
        + [UnitPermitsImportedV1.model_fields["type"].default] * 2
    )
    handed = {e["data"]["uscc"]: e["data"] for e in events[3:]}
    assert set(handed) == {a, b}  # c has no permit: no event
    assert handed[a]["unit_id"] == str(ids[a])
    assert handed[a]["agency_id"] == str(agency)
    assert handed[a]["permits"] == [
        {
            "row": 2,
            "number": n1,
            "authority": "苏州市生态环境局",
            "category": "key",
            "valid_from": "2024-01-01",
            "valid_to": "2028-12-31",
            "report_frequencies": ["annual", "quarterly"],
        },
        {
            "row": 4,
            "number": n3,
            "authority": "苏州市生态环境局",
            "category": "registration",
            "valid_from": "2024-01-01",
            "valid_to": "2029-02-28",
            "report_frequencies": None,
        },
    ]
    assert [(p["number"], p["category"], p["valid_from"]) for p in handed[b]["permits"]] == [
        (n2, "simplified", "2025-03-01")
    ]


async def test_bad_permit_rows_are_reported_by_sheet_row_and_column_and_refuse_their_unit(
    db: Database,
):
    agency, good, bad, stranger = new_id(), new_uscc(), new_uscc(), new_uscc()
    twice, fine = number(), number()
    units = table([unit_row(good, name="好单位"), unit_row(bad, name="坏许可证单位")])
    permits = permit_table(
        [
            permit_row(good, fine),  # row 2
            permit_row(  # row 3: every cell wrong
                bad,
                "123",
                permitAuthority="",
                permitCategory="甲类",
                permitValidFrom="2024-13-01",
                permitValidTo="明年",
                permitReports="周报",
            ),
            permit_row(bad, number(), permitValidTo="2023-12-31"),  # row 4: ends before start
            permit_row(stranger, number()),  # row 5: no such unit in the file
            permit_row(bad, twice, permitCategory="特殊管理"),  # row 6
            permit_row(bad, twice, permitReports="年报，年报"),  # row 7
        ]
    )
    report = await run(db, agency, workbook(units, permits))

    assert (report.created, report.rejected_rows, report.rejected_permit_rows) == (1, 1, 5)
    assert report.permits == 1
    assert problems(report) == [
        (
            "units",
            3,
            None,
            "permit_refused",
            "a permit of this unit is refused: rows {rows} of the 排污许可证 sheet",
            {"rows": ["3", "4", "6", "7"]},
        ),
        (
            PERMITS,
            3,
            "permitNumber",
            "invalid",
            "a permit number has {min} to {max} characters",
            {"min": 4, "max": 60},
        ),
        (PERMITS, 3, "permitAuthority", "required", "this column is required", {}),
        (
            PERMITS,
            3,
            "permitCategory",
            "invalid",
            "管理类别 is 重点管理, 简化管理 or 登记管理, not {value}",
            {"value": "甲类"},
        ),
        (
            PERMITS,
            3,
            "permitValidFrom",
            "invalid",
            "not a date such as 2024-01-01: {value}",
            {"value": "2024-13-01"},
        ),
        (
            PERMITS,
            3,
            "permitValidTo",
            "invalid",
            "not a date such as 2024-01-01: {value}",
            {"value": "明年"},
        ),
        (
            PERMITS,
            3,
            "permitReports",
            "invalid",
            "not an execution report frequency (月报, 季报, 半年报 or 年报): {value}",
            {"value": "周报"},
        ),
        (
            PERMITS,
            4,
            "permitValidTo",
            "invalid",
            "a permit is valid until after it starts",
            {},
        ),
        (
            PERMITS,
            5,
            "uscc",
            "unknown_unit",
            "no row of the units sheet has 统一社会信用代码 {uscc}",
            {"uscc": stranger},
        ),
        (
            PERMITS,
            6,
            "permitCategory",
            "invalid",
            "管理类别 is 重点管理, 简化管理 or 登记管理, not {value}",
            {"value": "特殊管理"},
        ),
        (
            PERMITS,
            7,
            "permitReports",
            "invalid",
            "each report frequency appears once in a schedule",
            {},
        ),
    ]
    assert list(await unit_ids(db, agency)) == [good]  # nothing of the refused unit
    handed = [e["data"] for e in await outbox(db) if "permits_imported" in e["type"]]
    assert [[p["number"] for p in d["permits"]] for d in handed] == [[fine]]


async def test_permit_numbers_repeated_in_the_file_refuse_every_row_holding_one(db: Database):
    agency, a, b = new_id(), new_uscc(), new_uscc()
    twice = number()
    units = table([unit_row(a), unit_row(b, name="另一单位")])
    permits = permit_table([permit_row(a, twice), permit_row(b, twice)])
    report = await run(db, agency, workbook(units, permits))

    assert (report.created, report.rejected_rows, report.permits) == (0, 2, 0)
    assert [(p.sheet, p.row, p.column, p.code, p.params) for p in report.problems] == [
        ("units", 2, None, "permit_refused", {"rows": ["2"]}),
        ("units", 3, None, "permit_refused", {"rows": ["3"]}),
        (PERMITS, 2, "permitNumber", "duplicate_in_file", {"number": twice, "rows": ["3"]}),
        (PERMITS, 3, "permitNumber", "duplicate_in_file", {"number": twice, "rows": ["2"]}),
    ]
    assert await outbox(db) == []


async def test_against_the_registered_permits_and_idempotent_rerun(db: Database):
    agency, a, b = new_id(), new_uscc(), new_uscc()
    own, later, elsewhere = number(), number(), number()
    units = table([unit_row(a), unit_row(b, name="乙单位")])
    first = await run(db, agency, workbook(units, permit_table([permit_row(a, own)])))
    assert (first.created, first.permits) == (2, 1)
    ids = await unit_ids(db, agency)
    # The compliance service registered `own` for a (its event reached us), and
    # `elsewhere` for a unit of someone else's.
    async with db.transaction() as s:
        await import_repository.remember_permit(s, own, new_id(), ids[a])
        await import_repository.remember_permit(s, own, new_id(), ids[a])  # redelivered
        await import_repository.remember_permit(s, elsewhere, new_id(), new_id())
    events_before = len(await outbox(db))

    again = await run(db, agency, workbook(units, permit_table([permit_row(a, own)])))
    assert (again.created, again.unchanged, again.permits, again.permits_unchanged) == (
        0,
        2,
        0,
        1,
    )
    assert len(await outbox(db)) == events_before  # nothing sent twice

    more = permit_table(
        [permit_row(a, own), permit_row(a, later), permit_row(b, elsewhere)]  # rows 2-4
    )
    report = await run(db, agency, workbook(units, more))
    assert (report.unchanged, report.permits, report.permits_unchanged) == (1, 1, 1)
    assert (report.rejected_rows, report.rejected_permit_rows) == (1, 1)
    assert problems(report) == [
        (
            "units",
            3,
            None,
            "permit_refused",
            "a permit of this unit is refused: rows {rows} of the 排污许可证 sheet",
            {"rows": ["4"]},
        ),
        (
            PERMITS,
            4,
            "permitNumber",
            "already_registered",
            "permit {number} is already registered",
            {"number": elsewhere},
        ),
    ]
    # A unit already in the directory gets its new permit handed over, and only that one.
    [last] = (await outbox(db))[events_before:]
    assert (last["data"]["unit_id"], [p["number"] for p in last["data"]["permits"]]) == (
        str(ids[a]),
        [later],
    )


async def test_csv_units_with_a_permits_csv_and_the_dry_run(db: Database):
    agency, a = new_id(), new_uscc()
    units = csv_bytes(table([unit_row(a)]))
    permits = ("permits.csv", csv_bytes(permit_table([permit_row(a, number())]), "gb18030"))
    dry = await run(db, agency, units, "units.csv", permits, dry_run=True)
    assert (dry.created, dry.permits, dry.dry_run) == (1, 1, True)
    assert await outbox(db) == []

    report = await run(db, agency, units, "units.csv", permits)
    assert (report.created, report.permits) == (1, 1)
    assert [e["type"].split(".")[1] for e in await outbox(db)] == [
        "unit_registered",
        "unit_permits_imported",
    ]


async def test_permits_given_twice_or_half_are_refused_whole(db: Database):
    agency, a = new_id(), new_uscc()
    book = workbook(table([unit_row(a)]), permit_table([permit_row(a, number())]))
    with pytest.raises(ValidationFailed) as twice:
        await run(db, agency, book, permits=("p.csv", csv_bytes(permit_table([]))))
    assert (twice.value.field, twice.value.said.template) == (
        "permits",
        "the permits are given twice: in the workbook's sheet and as a file",
    )
    bad_header = csv_bytes([["统一社会信用代码", "许可证编号", "发证日期"]])
    with pytest.raises(ValidationFailed) as unknown:
        await run(db, agency, csv_bytes(table([unit_row(a)])), "u.csv", ("p.csv", bad_header))
    assert (unknown.value.field, unknown.value.said.params) == (
        "permits",
        {"columns": ["发证日期"]},
    )
    assert await unit_ids(db, agency) == {}


async def test_a_caller_who_may_not_register_permits_imports_none_of_the_file(db: Database):
    agency, a = new_id(), new_uscc()
    book = workbook(table([unit_row(a)]), permit_table([permit_row(a, number())]))
    req = ImportUnitsRequest(
        file_name="u.xlsx",
        content_base64=base64.b64encode(book).decode(),
        agency_id=agency,
        scope=Scope(agency_id=agency),
        may_register_permits=False,
    )
    with pytest.raises(NotAuthorized) as refused:
        async with db.transaction() as s:
            await commands.import_units(s, req, CTX)
    assert (refused.value.field, refused.value.said.template) == (
        "permits",
        "you may not register permits",
    )
    assert (await unit_ids(db, agency), await outbox(db)) == ({}, [])
    # Without permit rows the same caller imports units as before.
    plain = req.model_copy(
        update={"content_base64": base64.b64encode(workbook(table([unit_row(a)]), [])).decode()}
    )
    async with db.transaction() as s:
        assert (await commands.import_units(s, plain, CTX)).created == 1


async def test_batches_of_the_cli_path_carry_the_permits(db: Database):
    agency, codes = new_id(), [new_uscc() for _ in range(5)]
    units = table([unit_row(c, name=f"批量单位{i}") for i, c in enumerate(codes)])
    permits = permit_table([permit_row(c, number()) for c in codes])
    seen: list[tuple[int, int]] = []
    report = await import_file(
        db,
        "u.xlsx",
        workbook(units, permits, title="permits"),
        agency,
        CTX,
        batch_size=2,
        on_rows=lambda done, total: seen.append((done, total)),
    )
    assert (report.created, report.permits) == (5, 5)
    assert seen == [(0, 5), (2, 5), (4, 5), (5, 5)]
    events = await outbox(db)
    registered = [e["data"]["unit_id"] for e in events if "unit_registered" in e["type"]]
    handed = [e["data"]["unit_id"] for e in events if "permits_imported" in e["type"]]
    assert sorted(handed) == sorted(registered)
    # Each unit's permits come after its registration (the consumer learns the unit first).
    order = [e["data"]["unit_id"] for e in events]
    assert all(order.index(u) < len(order) - 1 - order[::-1].index(u) for u in handed)


# --- the compliance service's side ---------------------------------------------------------


def registered_event(unit_id: UUID, agency: UUID, region: str = "320506") -> UnitRegisteredV1:
    from contracts.engagement.event_data import UnitRegisteredData
    from kit.events import make_event

    data = UnitRegisteredData(
        unit_id=unit_id,
        name="某某化工",
        uscc=new_uscc(),
        industry_code="C2614",
        region_code=region,
        registered_by_agency_id=agency,
    )
    return make_event(UnitRegisteredV1, CTX, data)


def permits_event(unit_id: UUID, agency: UUID, *permits: ImportedPermit) -> UnitPermitsImportedV1:
    from contracts.engagement.event_data import UnitPermitsImportedData
    from kit.events import make_event

    data = UnitPermitsImportedData(
        unit_id=unit_id, uscc="91320506MA1M9XK3DE", agency_id=agency, permits=list(permits)
    )
    return make_event(UnitPermitsImportedV1, CTX, data)


def imported(row: int, num: str, **fields: Any) -> ImportedPermit:
    values: dict[str, Any] = {
        "row": row,
        "number": num,
        "authority": "苏州市生态环境局",
        "category": ManagementCategory.KEY,
        "valid_from": date(2024, 1, 1),
        "valid_to": date(2030, 12, 31),
        **fields,
    }
    return ImportedPermit(**values)


async def apply(db: Database, *events: Any) -> None:
    for event in events:
        async with db.transaction() as s:
            await on_engagement_event(s, event)


async def test_R6_1_2_compliance_registers_imported_permits_once_with_their_occurrences(
    compliance_db: Database,
):
    agency, unit = new_id(), new_id()
    n1, n2 = number(), number()
    event = permits_event(
        unit,
        agency,
        imported(2, n1),
        imported(
            3, n2, category=ManagementCategory.SIMPLIFIED, report_frequencies=[Frequency.SEMIANNUAL]
        ),
    )
    await apply(compliance_db, registered_event(unit, agency), event, event)  # redelivered

    async with compliance_db.transaction() as s:
        permits = {p.number: p for p in await s.scalars(select(Permit))}
        reports = list(
            await s.scalars(
                select(Occurrence.rule_code).where(
                    Occurrence.unit_id == unit, Occurrence.kind == "execution_report"
                )
            )
        )
        outbox_types = [
            json.loads(p)["type"]
            for p in await s.scalars(select(compliance_messaging.outbox.c.payload))
        ]
    assert set(permits) == {n1, n2}  # once each, though the event came twice
    first, second = permits[n1], permits[n2]
    assert (first.unit_id, first.agency_id, first.region_code, first.category) == (
        unit,
        agency,
        "320506",
        "key",
    )
    assert [e["frequency"] for e in first.report_schedule] == ["annual", "quarterly"]
    assert [e["frequency"] for e in second.report_schedule] == ["semiannual"]
    assert (first.created_by, first.outlets) == ("importer", [])
    assert {
        "permit.execution_report.annual",
        "permit.execution_report.quarterly",
        "permit.execution_report.semiannual",
    } <= set(reports)
    assert outbox_types.count("compliance.permit_registered.v1") == 2


async def test_conflicts_found_by_compliance_open_a_refusal_in_the_agencys_work(
    compliance_db: Database,
):
    agency, other_agency, unit, other_unit, unknown = (
        new_id(),
        new_id(),
        new_id(),
        new_id(),
        new_id(),
    )
    taken = number()
    await apply(
        compliance_db,
        registered_event(other_unit, other_agency),
        permits_event(other_unit, other_agency, imported(2, taken)),
        registered_event(unit, agency),
    )
    clash = permits_event(unit, agency, imported(5, taken))
    stranger = permits_event(unknown, agency, imported(6, number()))
    await apply(compliance_db, clash, clash, stranger)

    async with compliance_db.transaction() as s:
        work = list(
            await s.scalars(
                select(WorkItem).where(WorkItem.kind == WorkKind.PERMIT_IMPORT_REFUSED.value)
            )
        )
        holders = list(await s.scalars(select(Permit.unit_id).where(Permit.number == taken)))
    assert holders == [other_unit]  # the other unit's permit stays its own
    by_unit = {w.unit_id: w for w in work}
    assert sorted((w.unit_id, w.agency_id, w.is_open) for w in work) == sorted(
        [(unit, agency, True), (unknown, agency, True)]
    )
    assert by_unit[unit].title == f"排污许可证 {taken} 未导入：已登记于另一单位（许可证表第5行）"
    assert by_unit[unknown].title.endswith("不在本机构的单位名录中（许可证表第6行）")
