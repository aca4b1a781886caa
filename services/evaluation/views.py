"""Scorecards as the contracts show them, with the panel results and totals computed
by the domain rules (the same code that finalises, so a view never disagrees)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.evaluation import enums as evaluation_enums
from contracts.evaluation.rpc import (
    DeductionView,
    EvidenceLink,
    FalsificationView,
    ItemResultView,
    ItemScoreView,
    ScorecardSummary,
    ScorecardView,
    TemplateDefinition,
    TemplateView,
)
from services.evaluation import domain, repository
from services.evaluation.models import (
    Deduction,
    EvaluationTemplate,
    Falsification,
    ItemScore,
    Scorecard,
)


def template_view(t: EvaluationTemplate) -> TemplateView:
    return TemplateView(
        id=t.id,
        agency_id=t.agency_id,
        definition=TemplateDefinition.model_validate(t.definition),
        created_at=t.created_at,
        created_by=t.created_by,
    )


def links(raw: list[dict[str, Any]]) -> list[EvidenceLink]:
    return [EvidenceLink.model_validate(x) for x in raw]


@dataclass(frozen=True)
class Outcome:
    """What a scorecard's scores add up to, by the template's rule."""

    results: list[ItemResultView]
    scored_total: Decimal
    deducted: Decimal
    total: Decimal
    grade: evaluation_enums.Grade
    evaluators: list[str]


def outcome(
    template: TemplateDefinition,
    scores: Sequence[ItemScore],
    deductions: Sequence[Deduction],
    falsified: bool,
) -> Outcome:
    by_item: dict[str, list[Decimal]] = {}
    for s in scores:
        by_item.setdefault(s.item_code, []).append(s.points)
    results = []
    for item in domain.scored_items(template):
        points = by_item.get(item.code, [])
        assert item.max_points is not None  # validated template
        results.append(
            ItemResultView(
                item_code=item.code,
                text_zh=item.text_zh,
                text_en=item.text_en,
                max_points=item.max_points,
                points=domain.panel_result(points),
                evaluators=len(points),
            )
        )
    scored = sum((r.points for r in results if r.points is not None), domain.ZERO)
    deducted = sum((d.points for d in deductions), domain.ZERO)
    # R7.2-fraud: falsification scores 0 whatever the items say.
    total = domain.ZERO if falsified else domain.total_score([scored], [deducted])
    return Outcome(
        results=results,
        scored_total=domain.cents(scored),
        deducted=domain.cents(deducted),
        total=domain.cents(total),
        grade=domain.grade_for(total),
        evaluators=sorted({s.evaluator for s in scores}),
    )


def falsification_view(f: Falsification) -> FalsificationView:
    return FalsificationView(
        id=f.id,
        scorecard_id=f.scorecard_id,
        party=f.party,
        finding=f.finding,
        evidence=links(f.evidence),
        decided_by=f.decided_by,
        decided_at=f.decided_at,
    )


def status_of(
    card: Scorecard, falsified: bool, superseded: bool
) -> evaluation_enums.ScorecardStatus:
    if falsified:
        return evaluation_enums.ScorecardStatus.FALSIFIED
    if superseded:
        return evaluation_enums.ScorecardStatus.SUPERSEDED
    return evaluation_enums.ScorecardStatus(card.status)


async def scorecard_views(
    session: AsyncSession, cards: Sequence[Scorecard]
) -> dict[UUID, ScorecardView]:
    """Views of many scorecards with a fixed number of queries (no N+1)."""
    facts = await _facts(session, cards)
    views = {}
    for c in cards:
        header, o = _header(c, facts)
        f = facts.falsified.get(c.id)
        views[c.id] = ScorecardView(
            **dict(header),
            evaluators=o.evaluators,
            results=o.results,
            scores=[_score_view(s) for s in facts.scores[c.id]],
            deductions=[_deduction_view(d) for d in facts.deductions[c.id]],
            falsification=falsification_view(f) if f else None,
        )
    return views


async def scorecard_summaries(
    session: AsyncSession, cards: Sequence[Scorecard]
) -> dict[UUID, ScorecardSummary]:
    """Headers and outcomes only, for lists: the same queries, a far smaller reply."""
    facts = await _facts(session, cards)
    return {c.id: _header(c, facts)[0] for c in cards}


@dataclass(frozen=True)
class _Facts:
    """What the views of a set of scorecards are computed from."""

    templates: dict[UUID, EvaluationTemplate]
    definitions: dict[UUID, TemplateDefinition]
    scores: dict[UUID, list[ItemScore]]
    deductions: dict[UUID, list[Deduction]]
    falsified: dict[UUID, Falsification]
    superseded: set[UUID]


async def _facts(session: AsyncSession, cards: Sequence[Scorecard]) -> _Facts:
    ids = [c.id for c in cards]
    templates = await repository.templates_by_ids(session, list({c.template_id for c in cards}))
    return _Facts(
        templates=templates,
        # Parsed once per template, not once per card: a list shares one or two.
        definitions={
            i: TemplateDefinition.model_validate(t.definition) for i, t in templates.items()
        },
        scores=await repository.scores(session, ids),
        deductions=await repository.deductions(session, ids),
        falsified=await repository.falsifications(session, ids),
        superseded=await repository.superseded(session, cards),
    )


def _header(c: Scorecard, facts: _Facts) -> tuple[ScorecardSummary, Outcome]:
    t = facts.templates[c.template_id]
    falsified = c.id in facts.falsified
    o = outcome(
        facts.definitions[c.template_id], facts.scores[c.id], facts.deductions[c.id], falsified
    )
    header = ScorecardSummary(
        id=c.id,
        series_id=c.series_id,
        version=c.version,
        previous_id=c.previous_id,
        amendment_reason=c.amendment_reason,
        engagement_id=c.engagement_id,
        unit_id=c.unit_id,
        agency_id=c.agency_id,
        region_code=c.region_code,
        template_id=c.template_id,
        template_code=t.code,
        template_version=t.version,
        period_label=c.period_label,
        period_start=c.period_start,
        period_end=c.period_end,
        opened_by=c.opened_by,
        opened_at=c.opened_at,
        opened_automatically=c.source_event_id is not None,
        status=status_of(c, falsified, c.id in facts.superseded).value,
        finalized_at=c.finalized_at,
        finalized_by=c.finalized_by,
        scored_total=o.scored_total,
        deducted=o.deducted,
        total=o.total,
        grade=o.grade.value,
    )
    return header, o


async def scorecard_view(session: AsyncSession, card: Scorecard) -> ScorecardView:
    return (await scorecard_views(session, [card]))[card.id]


def _score_view(s: ItemScore) -> ItemScoreView:
    return ItemScoreView(
        item_code=s.item_code,
        evaluator=s.evaluator,
        points=s.points,
        justification=s.justification,
        evidence=links(s.evidence),
        suggested_points=s.suggested_points,
        override_reason=s.override_reason,
        scored_at=s.scored_at,
    )


def _deduction_view(d: Deduction) -> DeductionView:
    return DeductionView(
        id=d.id,
        item_code=d.item_code,
        points=d.points,
        description=d.description,
        evidence=links(d.evidence),
        recorded_by=d.recorded_by,
        recorded_at=d.recorded_at,
    )
