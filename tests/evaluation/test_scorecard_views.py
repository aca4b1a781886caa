"""Scorecard reads on a real database (SQLite and PostgreSQL): history, agency results,
regional distribution, the latest card per engagement and the XLSX export of table C.1."""

from __future__ import annotations

import base64
from datetime import date
from decimal import Decimal
from io import BytesIO

from openpyxl import load_workbook

from contracts.core import Scope
from contracts.evaluation import rpc as ev
from kit.db import Database
from services.evaluation import queries
from services.evaluation.commands import scorecards, scoring
from tests.evaluation.conftest import Engagement, caller
from tests.evaluation.scoring_steps import (
    SCORED,
    call,
    finalised_card,
    open_card,
    score,
)


async def test_views_history_agency_results_and_regional_distribution(db: Database):
    shenzhen = Engagement.new("440305")
    guangzhou = Engagement.new("440106")
    beijing = Engagement.new("110105")
    await finalised_card(db, shenzhen, Decimal(0))  # 100 优秀
    await finalised_card(db, guangzhou, Decimal("0.5"))  # 89 良好
    await finalised_card(db, beijing, Decimal(1))  # 78 良好
    async with db.transaction() as s:
        guangdong = await queries.grade_distribution(
            s, ev.GradeDistributionRequest(scope=Scope(region_prefix="44"), period_label="2027")
        )
        history = await queries.list_scorecards(
            s,
            ev.ListScorecardsRequest(
                scope=shenzhen.scope(),
                filter=ev.ScorecardFilter(unit_id=shenzhen.unit_id, finalized_only=True),
            ),
        )
        good = await queries.list_scorecards(
            s,
            ev.ListScorecardsRequest(
                scope=Scope(region_prefix="44"), filter=ev.ScorecardFilter(grade="good")
            ),
        )
        unit_sees = await queries.list_scorecards(
            s, ev.ListScorecardsRequest(scope=Scope(unit_id=beijing.unit_id))
        )
        nobody = await queries.list_scorecards(s, ev.ListScorecardsRequest(scope=Scope()))
    counts = {c.grade: c.count for c in guangdong.counts}
    assert guangdong.total == 2
    assert counts == {"excellent": 1, "good": 1, "qualified": 0, "unqualified": 0}
    assert [c.grade for c in history.items] == ["excellent"]
    assert [c.unit_id for c in good.items] == [guangzhou.unit_id]
    assert [c.unit_id for c in unit_sees.items] == [beijing.unit_id]
    assert nobody.total == 0


async def test_R7_1_export_fills_table_c1_as_xlsx(db: Database):
    eng = Engagement.new()
    card = await finalised_card(db, eng, Decimal(0))
    async with db.transaction() as s:
        out = await queries.export_scorecard(
            s, ev.ExportScorecardRequest(scorecard_id=card.id, scope=eng.scope())
        )
    assert out.filename.endswith(".xlsx")
    book = load_workbook(BytesIO(base64.b64decode(out.content_base64)))
    table = book["表C.1"]
    cells = [[c.value for c in row] for row in table.iter_rows()]
    assert cells[0][0] == "表C.1 托管服务绩效评价表"
    assert ["考核指标", "序号", "考核内容", "分值", "得分"] in cells
    assert ["一、日常管理（25分）", 1, SCORED[0].text_zh, 5, 5] in cells
    assert ["合计", None, None, 100, 100] in cells
    assert ["评价等级", None, "优秀", None, None] in cells
    assert any(row[0] == "评价人员" and row[2] == "eva-wang" for row in cells)
    assert book["评分明细"].max_row >= 23


async def test_the_latest_scorecard_of_each_engagement_is_the_one_whose_period_ends_last(
    db: Database,
):
    eng, quiet, foreign = Engagement.new(), Engagement.new(), Engagement.new()
    for e in (eng, quiet, foreign):
        await e.register(db)
    annual = await open_card(db, eng)  # 2027-01-01 … 2027-12-31
    async with db.transaction() as s:
        first_half = await scorecards.open_scorecard(
            s,
            ev.OpenScorecardRequest(
                engagement_id=eng.engagement_id,
                period_start=date(2027, 1, 1),
                period_end=date(2027, 6, 30),
                scope=eng.scope(),
            ),
            caller("eva-wang", eng.agency_id),
        )
    await open_card(db, foreign)
    asked = [eng.engagement_id, quiet.engagement_id, foreign.engagement_id, eng.engagement_id]
    async with db.transaction() as s:
        reply = await queries.latest_scorecards(
            s, ev.LatestScorecardsRequest(engagement_ids=asked, scope=eng.scope())
        )
    assert first_half.id != annual.id
    # In the order asked (twice the same engagement: twice its card); nothing for an
    # engagement without a scorecard, nothing for one outside the scope.
    assert [i.id if i else None for i in reply.items] == [annual.id, None, None, annual.id]


async def test_the_latest_scorecard_summary_is_the_full_views_header(db: Database):
    """The latest-scorecard read skips the superseded and appeal queries (its cards are
    current, summaries show no appeals): its summary is still the full view's."""
    open_one, scored = Engagement.new(), Engagement.new()
    await open_one.register(db)
    card = await open_card(db, open_one)
    finalised = await finalised_card(db, scored, Decimal(0))
    # Partly scored by two evaluators, with a deduction; and one found falsified.
    deducted, falsified = Engagement.new(), Engagement.new()
    await deducted.register(db)
    partial = await open_card(db, deducted)
    for user, points in (("eva-wang", "4.5"), ("eva-zhao", "3")):
        await score(db, deducted, partial, user, SCORED[0].code, points)
    deduct = ev.RecordDeductionRequest(
        scorecard_id=partial.id, item_code="四.2", description="拖延整改", scope=deducted.scope()
    )
    await call(db, scoring.record_deduction, deduct, "eva-wang", deducted)
    await falsified.register(db)
    found = await open_card(db, falsified)
    finding = ev.MarkFalsifiedRequest(
        scorecard_id=found.id,
        party="环保专员",
        finding="培训签到表系事后补签",
        evidence=[ev.EvidenceLink(kind="document", ref="稽查记录")],
        decided_as="agency_admin",
        scope=falsified.scope(),
    )
    await call(db, scoring.mark_falsified, finding, "admin-chen", falsified)
    asked = [e.engagement_id for e in (open_one, scored, deducted, falsified)]
    for engagement, expected in (
        (open_one, card),
        (scored, finalised),
        (deducted, partial),
        (falsified, found),
    ):
        async with db.transaction() as s:
            latest = await queries.latest_scorecards(
                s, ev.LatestScorecardsRequest(engagement_ids=asked, scope=engagement.scope())
            )
            whole = await queries.get_scorecards(
                s, ev.GetScorecardsRequest(ids=[expected.id], scope=engagement.scope())
            )
        summary = next(i for i in latest.items if i is not None)
        view = whole.items[0]
        assert view is not None
        assert summary.id == expected.id
        for name in ev.ScorecardSummary.model_fields:
            assert getattr(summary, name) == getattr(view, name), name
        # And byte for byte, as the service sends it.
        header = {name: getattr(view, name) for name in ev.ScorecardSummary.model_fields}
        assert summary.model_dump_json() == ev.ScorecardSummary(**header).model_dump_json()
        if engagement is deducted:
            assert (summary.scored_total, summary.deducted) == (Decimal("3.75"), Decimal(10))
        if engagement is falsified:
            assert (summary.status, summary.total, summary.grade) == (
                "falsified",
                Decimal(0),
                "unqualified",
            )
