"""Reply shapes built from rows: scorecards as the contracts show them, with the panel
results and totals computed by the domain rules (the same code that finalises, so a
view never disagrees), templates, registrations and disclosures. No I/O: the rows
come from `queries`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from uuid import UUID

from contracts.evaluation import enums as evaluation_enums
from contracts.evaluation import rpc as evaluation_rpc
from contracts.evaluation.rpc import (
    AppealView,
    DeductionView,
    DisclosureView,
    FalsificationView,
    ItemResultView,
    ItemScoreView,
    ScorecardSummary,
    ScorecardView,
    TemplateDefinition,
    TemplateView,
)
from services.evaluation import domain
from services.evaluation.models import (
    Appeal,
    Deduction,
    EngagementRegistration,
    EvaluationTemplate,
    Falsification,
    ItemScore,
    Scorecard,
    UnitDirectoryEntry,
)


def template_view(t: EvaluationTemplate) -> TemplateView:
    return TemplateView.from_row(t)


def registration_view(r: EngagementRegistration) -> evaluation_rpc.EvaluationRegistrationView:
    return evaluation_rpc.EvaluationRegistrationView.from_row(r)


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
    weights: dict[str, str] | None = None,
) -> Outcome:
    """Item results by the template's rule: the mean of every evaluator's points, or,
    with the contract's party weights, their weighted combination (domain.weighted_result)."""
    by_item: dict[str, list[Decimal]] = {}
    by_party: dict[str, dict[str, list[Decimal]]] = {}
    for s in scores:
        by_item.setdefault(s.item_code, []).append(s.points)
        by_party.setdefault(s.item_code, {}).setdefault(s.party or "", []).append(s.points)
    results = []
    for item in domain.scored_items(template):
        points = by_item.get(item.code, [])
        assert item.max_points is not None  # validated template
        result = (
            domain.panel_result(points)
            if weights is None
            else domain.weighted_result(by_party.get(item.code, {}), weights)
        )
        results.append(
            ItemResultView(
                item_code=item.code,
                text_zh=item.text_zh,
                text_en=item.text_en,
                max_points=item.max_points,
                points=result,
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
    return FalsificationView.from_row(f)


def status_of(
    card: Scorecard, falsified: bool, superseded: bool
) -> evaluation_enums.ScorecardStatus:
    if falsified:
        return evaluation_enums.ScorecardStatus.FALSIFIED
    if superseded:
        return evaluation_enums.ScorecardStatus.SUPERSEDED
    return evaluation_enums.ScorecardStatus(card.status)


@dataclass(frozen=True)
class ScorecardFacts:
    """What the views of a set of scorecards are computed from (read by `queries`)."""

    templates: dict[UUID, EvaluationTemplate]
    definitions: dict[UUID, TemplateDefinition]
    scores: dict[UUID, list[ItemScore]]
    deductions: dict[UUID, list[Deduction]]
    falsified: dict[UUID, Falsification]
    superseded: set[UUID]
    appeals: dict[UUID, list[Appeal]] = field(default_factory=dict)


def scorecard_view(c: Scorecard, facts: ScorecardFacts) -> ScorecardView:
    header, o = _header(c, facts)
    f = facts.falsified.get(c.id)
    return ScorecardView(
        **dict(header),
        evaluators=o.evaluators,
        results=o.results,
        scores=[ItemScoreView.from_row(s) for s in facts.scores[c.id]],
        deductions=[DeductionView.from_row(d) for d in facts.deductions[c.id]],
        falsification=falsification_view(f) if f else None,
        appeals=[AppealView.from_row(a) for a in facts.appeals.get(c.id, [])],
    )


def scorecard_summary(c: Scorecard, facts: ScorecardFacts) -> ScorecardSummary:
    """Header and outcome only, for lists: the same facts, a far smaller reply."""
    return _header(c, facts)[0]


def _header(c: Scorecard, facts: ScorecardFacts) -> tuple[ScorecardSummary, Outcome]:
    t = facts.templates[c.template_id]
    falsified = c.id in facts.falsified
    o = outcome(
        facts.definitions[c.template_id],
        facts.scores[c.id],
        facts.deductions[c.id],
        falsified,
        c.weights,
    )
    header = ScorecardSummary.from_row(
        c,
        template_code=t.code,
        template_version=t.version,
        opened_automatically=c.source_event_id is not None,
        status=status_of(c, falsified, c.id in facts.superseded),
        scored_total=o.scored_total,
        deducted=o.deducted,
        total=o.total,
        grade=o.grade,
        settlement_amount=Decimal(c.settlement_amount) if c.settlement_amount else None,
    )
    return header, o


def disclosure_view(
    f: Falsification, card: Scorecard, unit: UnitDirectoryEntry | None
) -> DisclosureView:
    """A falsification finding made public (R7.2 向社会公布): it scores 0, 不合格."""
    return DisclosureView(
        id=f.id,
        scorecard_id=card.id,
        unit_name=unit.name if unit else None,
        unit_uscc=unit.uscc if unit else None,
        agency_id=card.agency_id,
        period_label=card.period_label,
        party=f.party,
        finding=f.finding,
        decided_as=f.decided_as,  # the role, never the person (user ids stay inside)
        decided_at=f.decided_at,
        total=domain.cents(domain.ZERO),
        grade=evaluation_enums.Grade.UNQUALIFIED,
    )
