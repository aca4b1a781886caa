"""Reply shapes built from rows: scorecards as the contracts show them, with the panel
results and totals computed by the domain rules (the same code that finalises, so a
view never disagrees), templates, registrations and disclosures. No I/O: the rows
come from `queries`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
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
    TemplateItem,
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


def item_points(
    template: TemplateDefinition, scores: Sequence[Any], weights: dict[str, str] | None
) -> list[tuple[TemplateItem, Decimal | None, int]]:
    """Each scored item of the template with its panel result (None: not scored yet) and
    how many evaluators scored it: the mean of every evaluator's points, or, with the
    contract's party weights, their weighted combination (domain.weighted_result).
    `scores` are ORM rows or plain rows with item_code, party and points."""
    by_item: dict[str, list[Decimal]] = {}
    by_party: dict[str, dict[str, list[Decimal]]] = {}
    for s in scores:
        by_item.setdefault(s.item_code, []).append(s.points)
        by_party.setdefault(s.item_code, {}).setdefault(s.party or "", []).append(s.points)
    found = []
    for item in domain.scored_items(template):
        points = by_item.get(item.code, [])
        assert item.max_points is not None  # validated template
        result = (
            domain.panel_result(points)
            if weights is None
            else domain.weighted_result(by_party.get(item.code, {}), weights)
        )
        found.append((item, result, len(points)))
    return found


@dataclass(frozen=True)
class Totals:
    """What a scorecard's item results and deductions add up to: a summary's outcome."""

    scored_total: Decimal
    deducted: Decimal
    total: Decimal
    grade: evaluation_enums.Grade


def totals(results: Iterable[Decimal | None], deductions: Iterable[Any], falsified: bool) -> Totals:
    scored = sum((r for r in results if r is not None), domain.ZERO)
    deducted = sum((d.points for d in deductions), domain.ZERO)
    # R7.2-fraud: falsification scores 0 whatever the items say.
    total = domain.ZERO if falsified else domain.total_score([scored], [deducted])
    return Totals(
        scored_total=domain.cents(scored),
        deducted=domain.cents(deducted),
        total=domain.cents(total),
        grade=domain.grade_for(total),
    )


def outcome(
    template: TemplateDefinition,
    scores: Sequence[ItemScore],
    deductions: Sequence[Deduction],
    falsified: bool,
    weights: dict[str, str] | None = None,
) -> Outcome:
    """Item results by the template's rule (`item_points`) as views, and their totals."""
    points = item_points(template, scores, weights)
    added = totals((result for _, result, _ in points), deductions, falsified)
    return Outcome(
        results=[
            ItemResultView(
                item_code=item.code,
                text_zh=item.text_zh,
                text_en=item.text_en,
                max_points=item.max_points,
                points=result,
                evaluators=evaluators,
            )
            for item, result, evaluators in points
        ],
        scored_total=added.scored_total,
        deducted=added.deducted,
        total=added.total,
        grade=added.grade,
        evaluators=sorted({s.evaluator for s in scores}),
    )


def falsification_view(f: Falsification) -> FalsificationView:
    return FalsificationView.from_row(f)


def status_of(
    card: Scorecard | Any, falsified: bool, superseded: bool
) -> evaluation_enums.ScorecardStatus:
    if falsified:
        return evaluation_enums.ScorecardStatus.FALSIFIED
    if superseded:
        return evaluation_enums.ScorecardStatus.SUPERSEDED
    return evaluation_enums.ScorecardStatus(card.status)


@dataclass(frozen=True)
class ScorecardFacts:
    """What the views of a set of scorecards are computed from (read by `queries`): ORM
    rows, or plain rows with the same names where only summaries are built."""

    templates: dict[UUID, EvaluationTemplate]
    definitions: dict[UUID, TemplateDefinition]
    scores: Mapping[UUID, Sequence[Any]]  # ItemScore or a plain row of its points
    deductions: Mapping[UUID, Sequence[Any]]  # Deduction or a plain row of its points
    # By card id: its finding (a view shows it); a summary needs only whether there is one.
    falsified: Mapping[UUID, Falsification | None]
    superseded: set[UUID]
    appeals: dict[UUID, list[Appeal]] = field(default_factory=dict)


def scorecard_view(c: Scorecard, facts: ScorecardFacts) -> ScorecardView:
    f = facts.falsified.get(c.id)
    o = outcome(
        facts.definitions[c.template_id],
        facts.scores[c.id],
        facts.deductions[c.id],
        c.id in facts.falsified,
        c.weights,
    )
    header = _header(c, facts, o)
    return ScorecardView(
        **dict(header),
        evaluators=o.evaluators,
        results=o.results,
        scores=[ItemScoreView.from_row(s) for s in facts.scores[c.id]],
        deductions=[DeductionView.from_row(d) for d in facts.deductions[c.id]],
        falsification=falsification_view(f) if f else None,
        appeals=[AppealView.from_row(a) for a in facts.appeals.get(c.id, [])],
    )


def scorecard_summary(c: Scorecard | Any, facts: ScorecardFacts) -> ScorecardSummary:
    """Header and outcome only, for lists: the same facts, a far smaller reply, and no
    view per item (a list of 50 cards made 1,100 item results to add them up)."""
    scores = facts.scores[c.id]
    # Nobody has scored an item yet (every card while it is open): every result is None,
    # by either rule, and there is nothing to add up item by item.
    points = item_points(facts.definitions[c.template_id], scores, c.weights) if scores else []
    added = totals(
        (result for _, result, _ in points), facts.deductions[c.id], c.id in facts.falsified
    )
    return _header(c, facts, added)


def _header(c: Scorecard | Any, facts: ScorecardFacts, added: Totals | Outcome) -> ScorecardSummary:
    t = facts.templates[c.template_id]
    return ScorecardSummary.from_row(
        c,
        template_code=t.code,
        template_version=t.version,
        opened_automatically=c.source_event_id is not None,
        status=status_of(c, c.id in facts.falsified, c.id in facts.superseded),
        scored_total=added.scored_total,
        deducted=added.deducted,
        total=added.total,
        grade=added.grade,
        settlement_amount=Decimal(c.settlement_amount) if c.settlement_amount else None,
    )


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
