"""Scorecard use cases on a real database (SQLite and PostgreSQL): panel, deductions,
finalise, amend, falsify and scoping."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from contracts.core import ValidationFailed
from contracts.engagement.errors import EngagementNotFound
from contracts.evaluation import errors as evaluation_errors
from contracts.evaluation import rpc as ev
from kit.db import Database
from services.evaluation import queries
from services.evaluation.commands import scorecards, scoring
from services.evaluation.models import ItemScore
from tests.evaluation.conftest import Engagement, caller
from tests.evaluation.scoring_steps import (
    call,
    finalised_card,
    open_card,
    outbox_types,
    score,
    score_all,
)


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
