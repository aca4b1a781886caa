"""Scorecard use cases on a real database (SQLite and PostgreSQL): panel, deductions,
finalise, amend, falsify, scoping, views and the XLSX export."""

from __future__ import annotations

import base64
from datetime import UTC, date, datetime
from decimal import Decimal
from io import BytesIO
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from contracts.core import Scope, ValidationFailed
from contracts.engagement.errors import EngagementNotFound
from contracts.evaluation import errors as evaluation_errors
from contracts.evaluation import rpc as ev
from kit.db import Database
from kit.ids import new_id
from services.evaluation import queries
from services.evaluation.commands import scorecards, scoring, variants
from services.evaluation.models import EvaluationTemplate, ItemScore, messaging
from services.evaluation.templates import standard_c1
from tests.evaluation.conftest import Engagement, caller

C1 = standard_c1()
SCORED = [i for p in C1.parts if p.kind == "scored" for i in p.items]


async def open_card(db: Database, eng: Engagement, user: str = "eva-wang") -> ev.ScorecardView:
    async with db.transaction() as s:
        return await scorecards.open_scorecard(
            s,
            ev.OpenScorecardRequest(
                engagement_id=eng.engagement_id,
                period_start=date(2027, 1, 1),
                period_end=date(2027, 12, 31),
                scope=eng.scope(),
            ),
            caller(user, eng.agency_id),
        )


async def score(
    db: Database, eng: Engagement, card: ev.ScorecardView, user: str, code: str, points: Any
) -> ev.ScorecardView:
    async with db.transaction() as s:
        return await scoring.score_item(
            s,
            ev.ScoreItemRequest(
                scorecard_id=card.id,
                item_code=code,
                points=Decimal(points),
                justification="现场核查",
                evidence=[ev.EvidenceLink(kind="archive_item", ref="doc-1")],
                override_reason="no evidence recorded in the platform",
                scope=eng.scope(),
            ),
            caller(user, eng.agency_id),
        )


async def score_all(
    db: Database, eng: Engagement, card: ev.ScorecardView, user: str, less: Decimal
):
    """Every item at its maximum minus `less` (not below 0)."""
    for item in SCORED:
        assert item.max_points is not None
        await score(db, eng, card, user, item.code, max(Decimal(0), item.max_points - less))


async def call(db: Database, use_case: Any, req: Any, user: str, eng: Engagement) -> Any:
    async with db.transaction() as s:
        return await use_case(s, req, caller(user, eng.agency_id))


async def outbox_types(db: Database) -> list[str]:
    async with db.transaction() as s:
        rows = await s.execute(select(messaging.outbox.c.subject).order_by(messaging.outbox.c.seq))
        return [r[0].removeprefix("ecohost.events.") for r in rows]


async def test_R7_1_a_panel_of_two_scores_the_mean_deducts_10_and_finalises(db: Database):
    eng = Engagement.new()
    await eng.register(db)
    card = await open_card(db, eng)
    assert (card.status, card.version, card.template_code, card.period_label) == (
        "open",
        1,
        "C.1",
        "2027",
    )
    assert card.region_code == "440305"
    await score_all(db, eng, card, "eva-wang", Decimal(0))
    await score_all(db, eng, card, "eva-zhao", Decimal(1))
    deduct = ev.RecordDeductionRequest(
        scorecard_id=card.id, item_code="四.2", description="拖延整改方案两周", scope=eng.scope()
    )
    view = await call(db, scoring.record_deduction, deduct, "eva-wang", eng)
    # 22 items, the second evaluator one point lower on each: mean 100 − 11 = 89, − 10.
    assert view.scored_total == Decimal(89)
    assert view.deducted == Decimal(10)
    assert (view.total, view.grade) == (Decimal(79), "good")
    assert view.evaluators == ["eva-wang", "eva-zhao"]

    final = await call(
        db,
        scoring.finalize,
        ev.FinalizeScorecardRequest(scorecard_id=card.id, scope=eng.scope()),
        "eva-wang",
        eng,
    )
    assert (final.status, final.total, final.finalized_by) == ("finalized", Decimal(79), "eva-wang")
    assert await outbox_types(db) == [
        "evaluation.scorecard_opened.v1",
        "evaluation.scorecard_finalized.v1",
    ]
    with pytest.raises(evaluation_errors.ScorecardLocked):
        await score(db, eng, card, "eva-wang", "一.1", 1)


async def test_R7_1_finalising_needs_every_item_scored(db: Database):
    eng = Engagement.new()
    await eng.register(db)
    card = await open_card(db, eng)
    await score(db, eng, card, "eva-wang", "一.1", 5)
    with pytest.raises(evaluation_errors.IncompleteScorecard) as exc:
        await call(
            db,
            scoring.finalize,
            ev.FinalizeScorecardRequest(scorecard_id=card.id, scope=eng.scope()),
            "eva-wang",
            eng,
        )
    assert len(exc.value.details["missing"]) == 21
    assert "一.1" not in exc.value.details["missing"]


async def test_R7_1_scores_outside_the_item_range_are_refused_and_nothing_is_written(db: Database):
    eng = Engagement.new()
    await eng.register(db)
    card = await open_card(db, eng)
    with pytest.raises(evaluation_errors.ScoreOutOfRange) as exc:
        await score(db, eng, card, "eva-wang", "一.2", "4.5")
    assert exc.value.details == {"item": "一.2", "max": "4"}
    with pytest.raises(ValidationFailed):
        await score(db, eng, card, "eva-wang", "四.1", 1)  # a deduction, not a scored item
    async with db.transaction() as s:
        assert (await s.execute(select(func.count()).select_from(ItemScore))).scalar_one() == 0


async def test_R7_1_opening_is_idempotent_per_period_and_scoped(db: Database):
    eng = Engagement.new()
    await eng.register(db)
    first = await open_card(db, eng)
    again = await open_card(db, eng, user="eva-zhao")
    assert again.id == first.id
    other = Engagement.new()
    with pytest.raises(EngagementNotFound):  # another agency's engagement: not found
        async with db.transaction() as s:
            await scorecards.open_scorecard(
                s,
                ev.OpenScorecardRequest(
                    engagement_id=eng.engagement_id,
                    period_start=date(2027, 1, 1),
                    period_end=date(2027, 12, 31),
                    scope=other.scope(),
                ),
                caller("x", other.agency_id),
            )
    with pytest.raises(evaluation_errors.ScorecardNotFound):
        await call(
            db,
            scoring.score_item,
            ev.ScoreItemRequest(
                scorecard_id=first.id,
                item_code="一.1",
                points=Decimal(1),
                justification="x",
                scope=other.scope(),
            ),
            "x",
            other,
        )


async def test_R7_1_amendment_is_a_new_version_and_the_final_one_stays(db: Database):
    eng = Engagement.new()
    await eng.register(db)
    card = await open_card(db, eng)
    amend = ev.AmendScorecardRequest(
        scorecard_id=card.id, reason="复核发现一.3记录缺失", scope=eng.scope()
    )
    with pytest.raises(evaluation_errors.ScorecardNotFinalized):
        await call(db, scorecards.amend, amend, "eva-wang", eng)
    await score_all(db, eng, card, "eva-wang", Decimal(0))
    req = ev.FinalizeScorecardRequest(scorecard_id=card.id, scope=eng.scope())
    await call(db, scoring.finalize, req, "eva-wang", eng)

    v2 = await call(db, scorecards.amend, amend, "eva-wang", eng)
    assert (v2.version, v2.previous_id, v2.series_id, v2.status) == (2, card.id, card.id, "open")
    assert v2.amendment_reason == "复核发现一.3记录缺失"
    assert len(v2.scores) == 22
    v2 = await score(db, eng, v2, "eva-wang", "一.3", 3)
    assert v2.total == Decimal(97)
    async with db.transaction() as s:
        got = await queries.get_scorecards(
            s, ev.GetScorecardsRequest(ids=[card.id], scope=eng.scope())
        )
    old = got.items[0]
    assert old is not None
    assert (old.status, old.total) == ("superseded", Decimal(100))  # untouched
    with pytest.raises(evaluation_errors.ScorecardLocked):
        await call(db, scorecards.amend, amend, "eva-wang", eng)  # only the current version
    assert await outbox_types(db) == [
        "evaluation.scorecard_opened.v1",
        "evaluation.scorecard_finalized.v1",
        "evaluation.scorecard_opened.v1",
    ]


async def finalised_card(db: Database, eng: Engagement, less: Decimal) -> ev.ScorecardView:
    await eng.register(db)
    card = await open_card(db, eng)
    await score_all(db, eng, card, "eva-wang", less)
    req = ev.FinalizeScorecardRequest(scorecard_id=card.id, scope=eng.scope())
    view: ev.ScorecardView = await call(db, scoring.finalize, req, "eva-wang", eng)
    return view


async def test_R7_2_fraud_falsified_scores_zero_unqualified_and_is_disclosed(db: Database):
    eng = Engagement.new()
    card = await finalised_card(db, eng, Decimal(0))
    assert card.grade == "excellent"
    req = ev.MarkFalsifiedRequest(
        scorecard_id=card.id,
        party="绿源化工有限公司 环保专员",
        finding="培训签到表系事后补签",
        evidence=[ev.EvidenceLink(kind="document", ref="稽查记录-2027-031")],
        decided_as="agency_admin",
        scope=eng.scope(),
    )
    view = await call(db, scoring.mark_falsified, req, "admin-chen", eng)
    assert (view.status, view.total, view.grade) == ("falsified", Decimal(0), "unqualified")
    assert view.scored_total == Decimal(100)  # the items are kept as they were
    assert view.falsification is not None
    assert view.falsification.decided_by == "admin-chen"
    with pytest.raises(evaluation_errors.ScorecardLocked):
        await call(db, scoring.mark_falsified, req, "admin-chen", eng)
    async with db.transaction() as s:
        page = await queries.list_disclosures(s, ev.ListDisclosuresRequest())
    [d] = [d for d in page.items if d.scorecard_id == card.id]
    assert (d.unit_name, d.party, d.grade, d.total) == (
        "绿源化工有限公司",
        "绿源化工有限公司 环保专员",
        "unqualified",
        Decimal(0),
    )
    assert (await outbox_types(db))[-1] == "evaluation.scorecard_falsified.v1"


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


async def define(db: Database, definition: ev.TemplateDefinition, agency: Any) -> ev.TemplateView:
    async with db.transaction() as s:
        return await variants.define_template(
            s,
            ev.DefineTemplateRequest(definition=definition, agency_id=agency),
            caller("a", agency),
        )


async def visible_codes(db: Database, scope: Scope) -> set[tuple[str, int]]:
    async with db.transaction() as s:
        listed = await queries.list_templates(s, ev.ListTemplatesRequest(scope=scope))
    return {(t.definition.code, t.definition.version) for t in listed.items}


async def test_R7_1_a_variant_template_is_validated_before_it_is_stored(db: Database):
    variant = standard_c1().model_copy(update={"code": "C.1-化工"})
    view = await define(db, variant, variant_agency)
    assert (view.definition.code, view.agency_id) == ("C.1-化工", variant_agency)
    assert await visible_codes(db, Scope(agency_id=variant_agency)) == {("C.1", 1), ("C.1-化工", 1)}
    with pytest.raises(evaluation_errors.InvalidTemplate) as same_version:
        await define(db, variant, variant_agency)
    assert same_version.value.field == "version"
    # The standard's code is not an agency's to reuse, whatever the version.
    with pytest.raises(evaluation_errors.InvalidTemplate) as standard_code:
        await define(db, standard_c1().model_copy(update={"version": 2}), variant_agency)
    assert standard_code.value.field == "code"


async def test_R7_1_a_variant_belongs_to_the_agency_that_defined_it(db: Database):
    ours, theirs = Engagement.new(), Engagement.new()
    await ours.register(db)
    await theirs.register(db)
    variant = await define(
        db, standard_c1().model_copy(update={"code": "C.1-合同A"}), ours.agency_id
    )
    # Another agency may define the same code and version for itself.
    twin = await define(
        db, standard_c1().model_copy(update={"code": "C.1-合同A"}), theirs.agency_id
    )
    assert twin.id != variant.id
    assert await visible_codes(db, theirs.scope()) == {("C.1", 1), ("C.1-合同A", 1)}
    async with db.transaction() as s:
        listed = await queries.list_templates(s, ev.ListTemplatesRequest(scope=theirs.scope()))
    assert variant.id not in {t.id for t in listed.items}

    def opening(eng: Engagement, template: Any) -> ev.OpenScorecardRequest:
        return ev.OpenScorecardRequest(
            engagement_id=eng.engagement_id,
            period_start=date(2027, 1, 1),
            period_end=date(2027, 12, 31),
            template_id=template,
            scope=eng.scope(),
        )

    # Their engagement cannot be scored with our variant: it reads as missing.
    with pytest.raises(evaluation_errors.TemplateNotFound):
        async with db.transaction() as s:
            await scorecards.open_scorecard(
                s, opening(theirs, variant.id), caller("x", theirs.agency_id)
            )
    async with db.transaction() as s:
        card = await scorecards.open_scorecard(
            s, opening(ours, variant.id), caller("x", ours.agency_id)
        )
    assert (card.template_code, card.template_id) == ("C.1-合同A", variant.id)
    # Our variant never becomes anyone's default: theirs opens on the standard C.1.
    async with db.transaction() as s:
        default = await scorecards.open_scorecard(
            s, opening(theirs, None), caller("x", theirs.agency_id)
        )
    assert (default.template_code, default.template_version) == ("C.1", 1)
    # The unit scored with our variant reads it; a unit of theirs does not.
    assert ("C.1-合同A", 1) in await visible_codes(db, Scope(unit_id=ours.unit_id))
    async with db.transaction() as s:
        seen = await queries.list_templates(
            s, ev.ListTemplatesRequest(scope=Scope(unit_id=ours.unit_id))
        )
    assert {t.id for t in seen.items} >= {variant.id}
    assert twin.id not in {t.id for t in seen.items}
    assert await visible_codes(db, Scope(unit_id=theirs.unit_id)) == {("C.1", 1)}


variant_agency = Engagement.new().agency_id


async def test_the_standard_tables_stay_unique_in_the_database(db: Database):
    # Variants are unique per agency; the standard's tables (no agency) by their own
    # partial index, since NULLs never collide in a unique constraint.
    duplicate = EvaluationTemplate(
        id=new_id(),
        agency_id=None,
        code="C.1",
        version=1,
        definition=standard_c1().model_dump(mode="json"),
        created_at=datetime.now(UTC),
        created_by="someone",
    )
    with pytest.raises(IntegrityError):
        async with db.transaction() as s:
            s.add(duplicate)


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
