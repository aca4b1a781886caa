"""`myMeetings` reads the `meeting_expert` index (issue 11, item 7): an expert is matched
exactly, only in the caller's tenant, in one SQL statement however many records there
are; the index rows are written with the record that invites the experts (R4.2.2.4
专家咨询会, R4.2.3.2 技术研讨会). On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import pytest
from sqlalchemy import func, select

from contracts import core
from contracts.engagement import actions as engagement_actions
from contracts.engagement import rpc_workflow as wf
from contracts.engagement.enums import RecordKind
from kit.db import Database
from services.engagement.models import MeetingExpert, ServiceRecord
from services.engagement.workflow import queries
from services.engagement.workflow.commands import act
from tests.engagement.rows import CTX, engagement_in_implementation
from tests.engagement.test_workflow_reads import counted


async def invite(
    db: Database,
    engagement_id: UUID,
    scope: core.Scope,
    experts: list[str],
    held_on: date = date(2027, 2, 1),
    *,
    seminar: bool = False,
) -> None:
    action: engagement_actions.RecordConsultation | engagement_actions.RecordSeminar
    if seminar:
        action = engagement_actions.RecordSeminar(
            held_on=held_on, experts=["李研究员"], departments=["生态环境局"], problems="废气",
            conclusion="加装活性炭", expert_ids=experts,
        )  # fmt: skip
    else:
        action = engagement_actions.RecordConsultation(
            held_on=held_on, experts=["张教授"], opinions="可行", conclusion="通过",
            expert_ids=experts,
        )  # fmt: skip
    async with db.transaction() as s:
        await act.act(
            s,
            engagement_actions.ActRequest(engagement_id=engagement_id, scope=scope, action=action),
            CTX,
        )


async def meetings(db: Database, expert: str, scope: core.Scope) -> list[wf.MeetingView]:
    async with db.transaction() as s:
        reply = await queries.expert_meetings(s, wf.MeetingsRequest(expert_id=expert, scope=scope))
    return reply.items


async def test_R4_2_2_4_an_expert_id_is_matched_exactly_never_as_a_prefix_or_part(db: Database):
    engagement, _, agency = await engagement_in_implementation(db)
    await invite(db, engagement, agency, ["e10"], date(2027, 2, 1))
    await invite(db, engagement, agency, ["e1"], date(2027, 3, 1), seminar=True)
    await invite(db, engagement, agency, ["xe1", "E1"], date(2027, 4, 1))

    e1 = await meetings(db, "e1", agency)
    assert [(m.kind, m.held_on) for m in e1] == [(RecordKind.TECHNICAL_SEMINAR, date(2027, 3, 1))]
    assert e1[0].details["expert_ids"] == ["e1"]
    e10 = await meetings(db, "e10", agency)
    assert [(m.kind, m.held_on) for m in e10] == [
        (RecordKind.EXPERT_CONSULTATION, date(2027, 2, 1))
    ]
    for nobody in ("e", "1", "e%", "e_", "%", "e10x"):
        assert await meetings(db, nobody, agency) == []


async def test_R4_2_2_4_another_tenants_meetings_are_never_returned(db: Database):
    mine, unit_a, agency_a = await engagement_in_implementation(db)
    theirs, _, agency_b = await engagement_in_implementation(db)
    await invite(db, mine, agency_a, ["prof-zhang"], date(2027, 2, 1))
    await invite(db, theirs, agency_b, ["prof-zhang"], date(2027, 5, 1), seminar=True)

    assert [m.engagement_id for m in await meetings(db, "prof-zhang", agency_a)] == [mine]
    assert [m.engagement_id for m in await meetings(db, "prof-zhang", agency_b)] == [theirs]
    # The unit of A's engagement sees A's meeting, never B's; an empty scope sees none.
    unit_a_scope = core.Scope(unit_id=unit_a)
    assert [m.engagement_id for m in await meetings(db, "prof-zhang", unit_a_scope)] == [mine]
    assert await meetings(db, "prof-zhang", core.Scope()) == []


async def test_the_meetings_lookup_is_one_indexed_statement_whatever_the_records(db: Database):
    engagement, _, agency = await engagement_in_implementation(db)
    await invite(db, engagement, agency, ["e1"])

    async def statements_for_e1() -> list[str]:
        async with db.transaction() as s:
            with counted(db) as statements:
                await queries.expert_meetings(s, wf.MeetingsRequest(expert_id="e1", scope=agency))
        return statements

    few = await statements_for_e1()
    for n in range(12):
        await invite(db, engagement, agency, ["e1", f"e1{n}"] if n % 2 else [f"e{n + 2}"])
    many = await statements_for_e1()

    assert len(few) == len(many) == 1
    [sql] = many
    assert "meeting_expert" in sql
    assert "LIKE" not in sql.upper()
    assert len(await meetings(db, "e1", agency)) == 1 + 6


async def test_index_rows_are_written_with_the_record_and_an_expert_named_twice_once(
    db: Database,
):
    engagement, _, agency = await engagement_in_implementation(db)
    await invite(db, engagement, agency, ["e1", "e2", "e1"])
    await invite(db, engagement, agency, [])  # a meeting without invited user accounts

    async with db.transaction() as s:
        rows = (await s.execute(select(MeetingExpert))).scalars().all()
        records = (await s.execute(select(ServiceRecord.id))).scalars().all()
    assert len(records) == 2
    assert sorted((r.expert_id, r.engagement_id) for r in rows) == [
        ("e1", engagement),
        ("e2", engagement),
    ]
    assert {r.record_id for r in rows} < set(records)


class Abort(Exception):
    pass


async def test_the_index_rows_commit_or_roll_back_with_their_record(db: Database):
    """One transaction: a meeting whose transaction fails after the step leaves neither
    the record nor an index row naming it."""
    engagement, _, agency = await engagement_in_implementation(db)
    action = engagement_actions.RecordConsultation(
        held_on=date(2027, 2, 1), experts=["张教授"], opinions="可行", conclusion="通过",
        expert_ids=["e1"],
    )  # fmt: skip

    async def recorded_then_failed() -> None:
        async with db.transaction() as s:
            request = engagement_actions.ActRequest(
                engagement_id=engagement, scope=agency, action=action
            )
            await act.act(s, request, CTX)
            assert (await s.execute(select(func.count()).select_from(MeetingExpert))).scalar() == 1
            raise Abort  # e.g. the commit failing

    with pytest.raises(Abort):
        await recorded_then_failed()
    async with db.transaction() as s:
        for table in (MeetingExpert, ServiceRecord):
            assert (await s.execute(select(func.count()).select_from(table))).scalar() == 0
    assert await meetings(db, "e1", agency) == []
