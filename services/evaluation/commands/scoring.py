"""Scoring an open scorecard: points per item, deductions, finalising with its total
and grade, and a falsification finding. Each runs in the caller's transaction (flush,
never commit) and records its events in the outbox of that transaction."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.core import Scope, ValidationFailed
from contracts.engagement.agreement import FeeTerms
from contracts.evaluation import enums as evaluation_enums
from contracts.evaluation import errors as evaluation_errors
from contracts.evaluation import events as evaluation_events
from contracts.evaluation import rpc as evaluation_rpc
from kit.events import make_event
from kit.ids import new_id
from kit.outbox import record_event
from kit.rpc import CallContext
from services.evaluation import domain, repository, suggestions
from services.evaluation.commands import scorecards
from services.evaluation.models import Deduction, Falsification, ItemScore, Scorecard, messaging
from services.evaluation.queries import history, scorecard_view
from services.evaluation.statistics.commands import tallied


async def _open_card(
    session: AsyncSession, scorecard_id: UUID, scope: Scope
) -> tuple[Scorecard, evaluation_rpc.TemplateDefinition]:
    """A scorecard the caller may change: in scope, scored by the caller's party,
    current, open, not falsified."""
    card = await repository.scorecard(session, scorecard_id, scope)
    if card is None:
        raise evaluation_errors.ScorecardNotFound("no such scorecard", field="scorecardId")
    scorecards.require_party(card, scope)
    view = await scorecard_view(session, card)
    if view.status != evaluation_enums.ScorecardStatus.OPEN:
        raise evaluation_errors.ScorecardLocked(
            "the scorecard is {status}; amend it to change it",
            field="scorecardId",
            params={"status": view.status},
            details={"status": view.status},
        )
    template = await repository.template(session, card.template_id)
    assert template is not None  # foreign key
    return card, evaluation_rpc.TemplateDefinition.model_validate(template.definition)


async def score_item(
    session: AsyncSession, req: evaluation_rpc.ScoreItemRequest, ctx: CallContext
) -> evaluation_rpc.ScorecardView:
    """One evaluator's points for one item; scoring again while open replaces them.

    The evidence-suggested score, if the item has one, is stored beside the
    evaluator's points; differing from it needs a reason.
    """
    card, template = await _open_card(session, req.scorecard_id, req.scope)
    item = domain.items_by_code(template).get(req.item_code)
    if item is None:
        raise ValidationFailed(
            "{item} is not in the template", field="itemCode", params={"item": req.item_code}
        )
    points = domain.valid_points(item, req.points)
    suggested = await _suggestion(session, card, template, item.code)
    override = (req.override_reason or "").strip() or None
    if suggested is not None and points != suggested and override is None:
        raise ValidationFailed(
            "the evidence suggests {points} for {item}; say why you differ",
            field="overrideReason",
            params={"points": str(suggested), "item": item.code},
        )
    row = await repository.score_of(session, card.id, item.code, ctx.actor)
    if row is None:
        row = ItemScore(id=new_id(), scorecard_id=card.id, item_code=item.code, evaluator=ctx.actor)
        session.add(row)
    row.points = points
    row.justification = req.justification
    row.evidence = [e.model_dump(mode="json") for e in req.evidence]
    row.suggested_points = suggested
    row.override_reason = override if points != suggested else None
    row.scored_at = datetime.now(UTC)
    row.party = domain.party_of(req.scope).value if card.weights is not None else None
    await session.flush()
    return await scorecard_view(session, card)


async def _suggestion(
    session: AsyncSession, card: Scorecard, template: evaluation_rpc.TemplateDefinition, code: str
) -> Decimal | None:
    item = domain.items_by_code(template)[code]
    if code not in suggestions.RULES or item.max_points is None:
        return None
    found = suggestions.RULES[code](
        await history(session, card.engagement_id),
        suggestions.Period(card.period_start, card.period_end),
        item.max_points,
    )
    return found.points if found else None


async def record_deduction(
    session: AsyncSession, req: evaluation_rpc.RecordDeductionRequest, ctx: CallContext
) -> evaluation_rpc.ScorecardView:
    """附加考核: one occurrence, at the item's points per occurrence (10 in C.1)."""
    card, template = await _open_card(session, req.scorecard_id, req.scope)
    item = domain.items_by_code(template).get(req.item_code)
    if item is None or item.deduction_per_occurrence is None:
        raise ValidationFailed(
            "{item} is not a deduction item", field="itemCode", params={"item": req.item_code}
        )
    session.add(
        Deduction(
            id=new_id(),
            scorecard_id=card.id,
            item_code=item.code,
            points=item.deduction_per_occurrence,
            description=req.description,
            evidence=[e.model_dump(mode="json") for e in req.evidence],
            recorded_by=ctx.actor,
            recorded_at=datetime.now(UTC),
        )
    )
    await session.flush()
    return await scorecard_view(session, card)


async def finalize(
    session: AsyncSession, req: evaluation_rpc.FinalizeScorecardRequest, ctx: CallContext
) -> evaluation_rpc.ScorecardView:
    """Lock the scorecard with its total and grade, and announce it (the engagement
    then closes; the archive files the result)."""
    card, _template = await _open_card(session, req.scorecard_id, req.scope)
    view = await scorecard_view(session, card)
    # An item is missing until every party named has scored it (its result is None).
    missing = [r.item_code for r in view.results if r.points is None]
    if missing:
        raise evaluation_errors.IncompleteScorecard(
            "not scored yet: {items}", details={"missing": missing}, params={"items": missing}
        )
    await _self_assessment_first(session, card)
    async with tallied(session, [card.series_id]):  # region statistics' counters
        card.status = evaluation_enums.ScorecardStatus.FINALIZED
        card.finalized_at = datetime.now(UTC)
        card.finalized_by = ctx.actor
        card.total = view.total
        card.grade = view.grade
        registration = await repository.registration(session, card.engagement_id)
        terms = registration.fee_terms if registration else None
        paid = None
        if terms is not None and card.kind == evaluation_enums.ScorecardKind.BINDING:
            paid = domain.settlement(FeeTerms.model_validate(terms), view.total, view.grade)
        if paid is not None:
            card.settlement_percent, amount = paid
            card.settlement_amount = str(amount)
    others = await repository.undecided_binding_cards(session, card.engagement_id, card.id)
    data = evaluation_events.ScorecardFinalizedData(
        scorecard_id=card.id,
        series_id=card.series_id,
        version=card.version,
        unit_id=card.unit_id,
        agency_id=card.agency_id,
        period_label=card.period_label,
        template_code=view.template_code,
        template_version=view.template_version,
        scored_total=view.scored_total,
        deducted=view.deducted,
        total=view.total,
        grade=view.grade,
        evaluators=view.evaluators,
        kind=card.kind,
        settlement_percent=card.settlement_percent,
        settlement_amount=Decimal(card.settlement_amount) if card.settlement_amount else None,
        evaluation_complete=others == 0,
    )
    event = make_event(
        evaluation_events.ScorecardFinalizedV1, ctx, data, engagement_id=card.engagement_id
    )
    await record_event(session, messaging, event)
    return await scorecard_view(session, card)


async def _self_assessment_first(session: AsyncSession, card: Scorecard) -> None:
    """When the contract requires it, the agency's self-assessment for the period is
    finalised before the binding card."""
    if card.kind != evaluation_enums.ScorecardKind.BINDING or card.weights is None:
        return
    registration = await repository.registration(session, card.engagement_id)
    method = scorecards.assessment_of(registration) if registration else None
    if method is None or not method.self_assessment_required:
        return
    own = await repository.current_in_period(
        session, card.engagement_id, card.period_label, evaluation_enums.ScorecardKind.SELF
    )
    if own is None or (await scorecard_view(session, own)).status == "open":
        raise evaluation_errors.SelfAssessmentPending(
            "the agency's self-assessment is finalised first", field="scorecardId"
        )


async def mark_falsified(
    session: AsyncSession, req: evaluation_rpc.MarkFalsifiedRequest, ctx: CallContext
) -> evaluation_rpc.ScorecardView:
    """R7.2-fraud: the current version scores 0 and grades 不合格 whatever its items
    say, and the finding becomes a public disclosure."""
    card = await repository.scorecard(session, req.scorecard_id, req.scope)
    if card is None:
        raise evaluation_errors.ScorecardNotFound("no such scorecard", field="scorecardId")
    if domain.party_of(req.scope) != evaluation_enums.EvaluatingParty.REGULATOR:
        scorecards.require_party(card, req.scope)  # R7.2-fraud: the evaluating party or a regulator
    view = await scorecard_view(session, card)
    if view.status in (
        evaluation_enums.ScorecardStatus.FALSIFIED,
        evaluation_enums.ScorecardStatus.SUPERSEDED,
    ):
        raise evaluation_errors.ScorecardLocked(
            "the scorecard is {status}",
            field="scorecardId",
            params={"status": view.status},
            details={"status": view.status},
        )
    finding = Falsification(
        id=new_id(),
        scorecard_id=card.id,
        party=req.party,
        finding=req.finding,
        evidence=[e.model_dump(mode="json") for e in req.evidence],
        decided_by=ctx.actor,
        decided_as=req.decided_as,
        decided_at=datetime.now(UTC),
    )
    async with tallied(session, [card.series_id]):  # now 不合格 in the counters
        session.add(finding)
    data = evaluation_events.ScorecardFalsifiedData(
        scorecard_id=card.id,
        disclosure_id=finding.id,
        unit_id=card.unit_id,
        agency_id=card.agency_id,
        period_label=card.period_label,
        party=req.party,
        finding=req.finding,
        decided_by=ctx.actor,
    )
    event = make_event(
        evaluation_events.ScorecardFalsifiedV1, ctx, data, engagement_id=card.engagement_id
    )
    await record_event(session, messaging, event)
    return await scorecard_view(session, card)
