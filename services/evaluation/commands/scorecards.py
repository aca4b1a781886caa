"""Opening scorecards: by an evaluator for a period, automatically when an engagement
enters evaluation, and as a new version amending a finalised one. Each runs in the
caller's transaction (flush, never commit) and records `evaluation.scorecard_opened`
in its outbox."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import UUID, uuid5

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.core import NotAuthorized, Scope, ValidationFailed
from contracts.engagement.agreement import AssessmentMethod, EvaluationPeriods
from contracts.engagement.errors import EngagementNotFound
from contracts.evaluation import enums as evaluation_enums
from contracts.evaluation import errors as evaluation_errors
from contracts.evaluation import events as evaluation_events
from contracts.evaluation import rpc as evaluation_rpc
from kit.auth import AuthFailure
from kit.events import make_event
from kit.ids import new_id
from kit.logging import get_logger
from kit.outbox import record_event
from kit.rpc import CallContext
from services.evaluation import domain, repository, templates
from services.evaluation.models import (
    Deduction,
    EngagementRegistration,
    EvaluationTemplate,
    ItemScore,
    Scorecard,
    messaging,
)
from services.evaluation.queries import scorecard_view
from services.evaluation.statistics.commands import tallied

log = get_logger(__name__)


async def open_scorecard(
    session: AsyncSession, req: evaluation_rpc.OpenScorecardRequest, ctx: CallContext
) -> evaluation_rpc.ScorecardView:
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
) -> list[Scorecard]:
    """Open the engagement's scorecards when it enters the evaluation stage (R4.2.5):
    one binding card per evaluation period of the assessment method (the whole service
    period by default) and, when the contract names evaluating parties, the agency's
    self-assessment card beside each. Nothing for a period already opened."""
    start, end = registration.period_start, registration.period_end
    if start is None or end is None:
        raise ValidationFailed("the engagement's period is unknown")
    method = assessment_of(registration)
    template = await _template(
        session, method.template_id if method else None, registration.agency_id, fallback=True
    )
    yearly = method is not None and method.periods == EvaluationPeriods.YEARLY
    kinds = [evaluation_enums.ScorecardKind.BINDING]
    if method is not None:
        kinds.append(evaluation_enums.ScorecardKind.SELF)
    opened: list[Scorecard] = []
    first = True
    for p_start, p_end in domain.evaluation_periods(start, end, yearly=yearly):
        label = domain.period_label(p_start, p_end)
        for kind in kinds:
            if await repository.current_in_period(session, registration.engagement_id, label, kind):
                continue
            # `source_event_id` is unique: the first card names the event itself, the
            # others a name derived from it (still marking them opened automatically).
            source = event_id if first else uuid5(event_id, f"{label}/{kind}")
            first = False
            card = await _open(
                session, ctx, registration, template, label, p_start, p_end, source, kind
            )
            opened.append(card)
    return opened


def assessment_of(registration: EngagementRegistration) -> AssessmentMethod | None:
    if registration.assessment is None:
        return None
    return AssessmentMethod.model_validate(registration.assessment)


async def _template(
    session: AsyncSession, template_id: UUID | None, agency_id: UUID, *, fallback: bool = False
) -> EvaluationTemplate:
    """The template to score an engagement of `agency_id` with: the one named, if it
    is the standard's or that agency's own variant; by default the latest C.1. With
    `fallback` (a contract naming a template we cannot use, read from an event that
    must not fail forever) the latest C.1 is used instead, and logged."""
    if template_id is not None and fallback:
        named = await repository.template(session, template_id)
        if named is not None and named.agency_id in (None, agency_id):
            return named
        log.warning("evaluation.contract_template_unusable", template_id=str(template_id))
        template_id = None
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
    kind: evaluation_enums.ScorecardKind = evaluation_enums.ScorecardKind.BINDING,
) -> Scorecard:
    card_id = new_id()
    method = assessment_of(registration)
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
        status=evaluation_enums.ScorecardStatus.OPEN,
        opened_by=ctx.actor,
        opened_at=datetime.now(UTC),
        source_event_id=source_event_id,
        kind=kind,
        weights=domain.party_weights(method, kind),
        appeal_days=method.appeal_days if method else None,
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


def require_party(card: Scorecard, scope: Scope) -> evaluation_enums.EvaluatingParty:
    """The caller's party, if the card is scored by it (R4.2.5: the parties the contract
    names score the binding card; the agency only its self-assessment)."""
    party = domain.party_of(scope)
    if not domain.may_score(card.weights, party):
        raise NotAuthorized(
            "only the evaluating parties the contract names score this scorecard",
            details={"reason": AuthFailure.PERMISSION_DENIED.value},
        )
    return party


async def amend(
    session: AsyncSession, req: evaluation_rpc.AmendScorecardRequest, ctx: CallContext
) -> evaluation_rpc.ScorecardView:
    """A new open version carrying the previous scores and deductions, with the
    reason; the finalised version stays as it was."""
    card = await repository.scorecard(session, req.scorecard_id, req.scope)
    if card is None:
        raise evaluation_errors.ScorecardNotFound("no such scorecard", field="scorecardId")
    require_party(card, req.scope)  # the agency does not reopen a card it may not score
    view = await scorecard_view(session, card)
    if view.status == evaluation_enums.ScorecardStatus.OPEN:
        raise evaluation_errors.ScorecardNotFinalized(
            "an open scorecard is scored again, not amended", field="scorecardId"
        )
    if view.status != evaluation_enums.ScorecardStatus.FINALIZED:
        raise evaluation_errors.ScorecardLocked(
            "a {status} scorecard cannot be amended",
            field="scorecardId",
            params={"status": view.status},
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
        status=evaluation_enums.ScorecardStatus.OPEN,
        opened_by=ctx.actor,
        opened_at=now,
        source_event_id=None,
        kind=card.kind,
        weights=card.weights,
        appeal_days=card.appeal_days,
    )
    # An open amendment leaves the valid result where it was; kept in step all the same.
    async with tallied(session, [card.series_id]):
        session.add(new)
    carried: list[ItemScore | Deduction] = [
        *(await repository.scores(session, [card.id]))[card.id],
        *(await repository.deductions(session, [card.id]))[card.id],
    ]
    session.add_all(_carried_over(row, new.id) for row in carried)
    await session.flush()
    template = await repository.template(session, card.template_id)
    assert template is not None
    await _record_opened(session, ctx, new, template)
    return await scorecard_view(session, new)


def _carried_over(row: ItemScore | Deduction, scorecard_id: UUID) -> ItemScore | Deduction:
    """A score or deduction as it stands, copied onto the amended version."""
    columns = {a.key: getattr(row, a.key) for a in row.__mapper__.column_attrs}
    return type(row)(**{**columns, "id": new_id(), "scorecard_id": scorecard_id})
