"""Scorecard use cases that change state: open, score, deduct, finalise, amend,
mark falsified, define a template variant. Each runs in the caller's transaction
(flush, never commit) and records its events in the outbox of that transaction."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.core import Scope, ValidationFailed
from contracts.engagement.errors import EngagementNotFound
from contracts.evaluation import enums as evaluation_enums
from contracts.evaluation import errors as evaluation_errors
from contracts.evaluation import events as evaluation_events
from contracts.evaluation import rpc as ev
from kit.events import make_event
from kit.ids import new_id
from kit.outbox import record_event
from kit.rpc import CallContext
from services.evaluation import domain, repository, suggestions, templates
from services.evaluation.models import (
    Deduction,
    EngagementRegistration,
    EvaluationTemplate,
    Falsification,
    ItemScore,
    Scorecard,
    messaging,
)
from services.evaluation.views import scorecard_view, template_view


async def define_template(
    session: AsyncSession, req: ev.DefineTemplateRequest, ctx: CallContext
) -> ev.TemplateView:
    """A contract's variant of the table, checked before it can be used (R7.1). It
    belongs to the defining agency: no other agency sees or uses it."""
    definition = templates.validate_template(req.definition)
    existing = await repository.codes_in_use(session, definition.code, req.agency_id)
    if any(t.agency_id is None for t in existing):
        reason = f"{definition.code} is a table of the standard; give the variant its own code"
        raise evaluation_errors.InvalidTemplate(reason, field="code", details={"reason": reason})
    if any(t.version == definition.version for t in existing):
        reason = (
            f"template {definition.code} version {definition.version} exists; use a new version"
        )
        raise evaluation_errors.InvalidTemplate(reason, field="version", details={"reason": reason})
    row = EvaluationTemplate(
        id=new_id(),
        agency_id=req.agency_id,
        code=definition.code,
        version=definition.version,
        definition=definition.model_dump(mode="json"),
        created_at=datetime.now(UTC),
        created_by=ctx.actor,
    )
    session.add(row)
    await session.flush()
    return template_view(row)


async def open_scorecard(
    session: AsyncSession, req: ev.OpenScorecardRequest, ctx: CallContext
) -> ev.ScorecardView:
    """An evaluator opens a scorecard for a period (e.g. annual). Idempotent: the
    current scorecard of the engagement for that period is returned if it exists."""
    registration = await repository.registration(session, req.engagement_id, req.scope)
    if registration is None:
        raise EngagementNotFound("no such engagement", field="engagementId")
    label = req.period_label or domain.period_label(req.period_start, req.period_end)
    domain.period_label(req.period_start, req.period_end)  # checks the order of the dates
    existing = await repository.current_in_period(session, req.engagement_id, label)
    if existing is not None:
        return await scorecard_view(session, existing)
    template = await _template(session, req.template_id, registration.agency_id)
    card = await _open(
        session, ctx, registration, template, label, req.period_start, req.period_end, None
    )
    return await scorecard_view(session, card)


async def open_on_stage_change(
    session: AsyncSession, registration: EngagementRegistration, event_id: UUID, ctx: CallContext
) -> Scorecard | None:
    """Open the engagement's scorecard for its whole period when it enters the
    evaluation stage (R4.2.5); nothing when one is already open for that period."""
    start, end = registration.period_start, registration.period_end
    if start is None or end is None:
        raise ValidationFailed("the engagement's period is unknown")
    label = domain.period_label(start, end)
    if await repository.current_in_period(session, registration.engagement_id, label):
        return None
    template = await _template(session, None, registration.agency_id)
    return await _open(session, ctx, registration, template, label, start, end, event_id)


async def _template(
    session: AsyncSession, template_id: UUID | None, agency_id: UUID
) -> EvaluationTemplate:
    """The template to score an engagement of `agency_id` with: the one named, if it
    is the standard's or that agency's own variant; by default the latest C.1."""
    if template_id is None:
        found = await repository.latest_standard_template(session, templates.C1_CODE)
    else:
        found = await repository.template(session, template_id)
        if found is not None and found.agency_id not in (None, agency_id):
            found = None  # another agency's variant reads as missing
    if found is None:
        raise evaluation_errors.TemplateNotFound("no such template", field="templateId")
    return found


async def _open(
    session: AsyncSession,
    ctx: CallContext,
    registration: EngagementRegistration,
    template: EvaluationTemplate,
    label: str,
    start: date,
    end: date,
    source_event_id: UUID | None,
) -> Scorecard:
    card_id = new_id()
    card = Scorecard(
        id=card_id,
        series_id=card_id,
        version=1,
        previous_id=None,
        amendment_reason=None,
        engagement_id=registration.engagement_id,
        unit_id=registration.unit_id,
        agency_id=registration.agency_id,
        region_code=registration.region_code,
        template_id=template.id,
        period_label=label,
        period_start=start,
        period_end=end,
        status=evaluation_enums.ScorecardStatus.OPEN.value,
        opened_by=ctx.actor,
        opened_at=datetime.now(UTC),
        source_event_id=source_event_id,
    )
    session.add(card)
    await session.flush()
    await _record_opened(session, ctx, card, template)
    return card


async def _record_opened(
    session: AsyncSession, ctx: CallContext, card: Scorecard, template: EvaluationTemplate
) -> None:
    data = evaluation_events.ScorecardOpenedData(
        scorecard_id=card.id,
        series_id=card.series_id,
        version=card.version,
        previous_id=card.previous_id,
        amendment_reason=card.amendment_reason,
        unit_id=card.unit_id,
        agency_id=card.agency_id,
        period_label=card.period_label,
        template_code=template.code,
        template_version=template.version,
        automatic=card.source_event_id is not None,
    )
    event = make_event(
        evaluation_events.ScorecardOpenedV1, ctx, data, engagement_id=card.engagement_id
    )
    await record_event(session, messaging, event)


async def _open_card(
    session: AsyncSession, scorecard_id: UUID, scope: Scope
) -> tuple[Scorecard, ev.TemplateDefinition]:
    """A scorecard the caller may change: in scope, current, open, not falsified."""
    card = await repository.scorecard(session, scorecard_id, scope)
    if card is None:
        raise evaluation_errors.ScorecardNotFound("no such scorecard", field="scorecardId")
    view = await scorecard_view(session, card)
    if view.status != evaluation_enums.ScorecardStatus.OPEN.value:
        raise evaluation_errors.ScorecardLocked(
            f"the scorecard is {view.status}; amend it to change it",
            field="scorecardId",
            details={"status": view.status},
        )
    template = await repository.template(session, card.template_id)
    assert template is not None  # foreign key
    return card, ev.TemplateDefinition.model_validate(template.definition)


async def score_item(
    session: AsyncSession, req: ev.ScoreItemRequest, ctx: CallContext
) -> ev.ScorecardView:
    """One evaluator's points for one item; scoring again while open replaces them.

    The evidence-suggested score, if the item has one, is stored beside the
    evaluator's points; differing from it needs a reason.
    """
    card, template = await _open_card(session, req.scorecard_id, req.scope)
    item = domain.items_by_code(template).get(req.item_code)
    if item is None:
        raise ValidationFailed(f"{req.item_code} is not in the template", field="itemCode")
    points = domain.valid_points(item, req.points)
    suggested = await _suggestion(session, card, template, item.code)
    override = (req.override_reason or "").strip() or None
    if suggested is not None and points != suggested and override is None:
        raise ValidationFailed(
            f"the evidence suggests {suggested} for {item.code}; say why you differ",
            field="overrideReason",
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
    await session.flush()
    return await scorecard_view(session, card)


async def _suggestion(
    session: AsyncSession, card: Scorecard, template: ev.TemplateDefinition, code: str
) -> Decimal | None:
    item = domain.items_by_code(template)[code]
    if code not in suggestions.RULES or item.max_points is None:
        return None
    history = await load_history(session, card.engagement_id)
    found = suggestions.RULES[code](
        history, suggestions.Period(card.period_start, card.period_end), item.max_points
    )
    return found.points if found else None


async def load_history(session: AsyncSession, engagement_id: UUID) -> list[suggestions.Evidence]:
    rows = await repository.evidence_of(session, engagement_id)
    return [suggestions.Evidence(r.event_id, r.kind, r.occurred_at, r.data) for r in rows]


async def record_deduction(
    session: AsyncSession, req: ev.RecordDeductionRequest, ctx: CallContext
) -> ev.ScorecardView:
    """附加考核: one occurrence, at the item's points per occurrence (10 in C.1)."""
    card, template = await _open_card(session, req.scorecard_id, req.scope)
    item = domain.items_by_code(template).get(req.item_code)
    if item is None or item.deduction_per_occurrence is None:
        raise ValidationFailed(f"{req.item_code} is not a deduction item", field="itemCode")
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
    session: AsyncSession, req: ev.FinalizeScorecardRequest, ctx: CallContext
) -> ev.ScorecardView:
    """Lock the scorecard with its total and grade, and announce it (the engagement
    then closes; the archive files the result)."""
    card, template = await _open_card(session, req.scorecard_id, req.scope)
    view = await scorecard_view(session, card)
    missing = domain.missing_items(template, {s.item_code for s in view.scores})
    if missing:
        raise evaluation_errors.IncompleteScorecard(
            f"not scored yet: {', '.join(missing)}", details={"missing": missing}
        )
    card.status = evaluation_enums.ScorecardStatus.FINALIZED.value
    card.finalized_at = datetime.now(UTC)
    card.finalized_by = ctx.actor
    card.total = view.total
    card.grade = view.grade
    await session.flush()
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
    )
    event = make_event(
        evaluation_events.ScorecardFinalizedV1, ctx, data, engagement_id=card.engagement_id
    )
    await record_event(session, messaging, event)
    return await scorecard_view(session, card)


async def amend(
    session: AsyncSession, req: ev.AmendScorecardRequest, ctx: CallContext
) -> ev.ScorecardView:
    """A new open version carrying the previous scores and deductions, with the
    reason; the finalised version stays as it was."""
    card = await repository.scorecard(session, req.scorecard_id, req.scope)
    if card is None:
        raise evaluation_errors.ScorecardNotFound("no such scorecard", field="scorecardId")
    view = await scorecard_view(session, card)
    if view.status == evaluation_enums.ScorecardStatus.OPEN.value:
        raise evaluation_errors.ScorecardNotFinalized(
            "an open scorecard is scored again, not amended", field="scorecardId"
        )
    if view.status != evaluation_enums.ScorecardStatus.FINALIZED.value:
        raise evaluation_errors.ScorecardLocked(
            f"a {view.status} scorecard cannot be amended",
            field="scorecardId",
            details={"status": view.status},
        )
    now = datetime.now(UTC)
    new = Scorecard(
        id=new_id(),
        series_id=card.series_id,
        version=card.version + 1,
        previous_id=card.id,
        amendment_reason=req.reason,
        engagement_id=card.engagement_id,
        unit_id=card.unit_id,
        agency_id=card.agency_id,
        region_code=card.region_code,
        template_id=card.template_id,
        period_label=card.period_label,
        period_start=card.period_start,
        period_end=card.period_end,
        status=evaluation_enums.ScorecardStatus.OPEN.value,
        opened_by=ctx.actor,
        opened_at=now,
        source_event_id=None,
    )
    session.add(new)
    await session.flush()
    for s in (await repository.scores(session, [card.id]))[card.id]:
        session.add(
            ItemScore(
                id=new_id(),
                scorecard_id=new.id,
                item_code=s.item_code,
                evaluator=s.evaluator,
                points=s.points,
                justification=s.justification,
                evidence=s.evidence,
                suggested_points=s.suggested_points,
                override_reason=s.override_reason,
                scored_at=s.scored_at,
            )
        )
    for d in (await repository.deductions(session, [card.id]))[card.id]:
        session.add(
            Deduction(
                id=new_id(),
                scorecard_id=new.id,
                item_code=d.item_code,
                points=d.points,
                description=d.description,
                evidence=d.evidence,
                recorded_by=d.recorded_by,
                recorded_at=d.recorded_at,
            )
        )
    await session.flush()
    template = await repository.template(session, card.template_id)
    assert template is not None
    await _record_opened(session, ctx, new, template)
    return await scorecard_view(session, new)


async def mark_falsified(
    session: AsyncSession, req: ev.MarkFalsifiedRequest, ctx: CallContext
) -> ev.ScorecardView:
    """R7.2-fraud: the current version scores 0 and grades 不合格 whatever its items
    say, and the finding becomes a public disclosure."""
    card = await repository.scorecard(session, req.scorecard_id, req.scope)
    if card is None:
        raise evaluation_errors.ScorecardNotFound("no such scorecard", field="scorecardId")
    view = await scorecard_view(session, card)
    if view.status in (
        evaluation_enums.ScorecardStatus.FALSIFIED.value,
        evaluation_enums.ScorecardStatus.SUPERSEDED.value,
    ):
        raise evaluation_errors.ScorecardLocked(
            f"the scorecard is {view.status}",
            field="scorecardId",
            details={"status": view.status},
        )
    finding = Falsification(
        id=new_id(),
        scorecard_id=card.id,
        party=req.party,
        finding=req.finding,
        evidence=[e.model_dump(mode="json") for e in req.evidence],
        decided_by=ctx.actor,
        decided_at=datetime.now(UTC),
    )
    session.add(finding)
    await session.flush()
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
