"""异议: the agency objects to a finalised binding scorecard within the appeal period the
contract sets; an evaluating party of the card answers, amending it (a new open
version, as `amendScorecard` makes) or keeping it, with reasons. Each step runs in the
caller's transaction and records its event in the outbox, so the archive traces it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.evaluation import enums as evaluation_enums
from contracts.evaluation import errors as evaluation_errors
from contracts.evaluation import events as evaluation_events
from contracts.evaluation import rpc as evaluation_rpc
from kit.events import make_event
from kit.ids import new_id
from kit.outbox import record_event
from kit.rpc import CallContext
from services.evaluation import domain, repository
from services.evaluation.commands import scorecards
from services.evaluation.models import Appeal, Scorecard, messaging
from services.evaluation.queries import scorecard_view


async def appeal(
    session: AsyncSession, req: evaluation_rpc.AppealScorecardRequest, ctx: CallContext
) -> evaluation_rpc.ScorecardView:
    """The agency's objection; refused outside the period or while one is open."""
    card = await repository.scorecard(session, req.scorecard_id, req.scope)
    if card is None:
        raise evaluation_errors.ScorecardNotFound("no such scorecard", field="scorecardId")
    if domain.party_of(req.scope) != evaluation_enums.EvaluatingParty.AGENCY:
        raise evaluation_errors.AppealNotAllowed(
            "only the agency evaluated appeals", field="scorecardId"
        )
    view = await scorecard_view(session, card)
    if (
        card.kind != evaluation_enums.ScorecardKind.BINDING
        or card.appeal_days is None
        or view.status != evaluation_enums.ScorecardStatus.FINALIZED
    ):
        raise evaluation_errors.AppealNotAllowed(
            "only a finalised binding scorecard of a contract with an appeal period is appealed",
            field="scorecardId",
        )
    now = datetime.now(UTC)
    assert card.finalized_at is not None  # finalised
    if now > card.finalized_at + timedelta(days=card.appeal_days):
        raise evaluation_errors.AppealNotAllowed(
            "the appeal period of {days} day(s) has ended",
            field="scorecardId",
            params={"days": card.appeal_days},
        )
    if any(a.decision is None for a in view.appeals):
        raise evaluation_errors.AppealNotAllowed(
            "an appeal against this scorecard awaits its answer", field="scorecardId"
        )
    row = Appeal(
        id=new_id(),
        scorecard_id=card.id,
        reasons=req.reasons,
        raised_by=ctx.actor,
        raised_at=now,
    )
    session.add(row)
    await session.flush()
    await _record(session, ctx, evaluation_events.AppealRaisedV1, row, card)
    return await scorecard_view(session, card)


async def answer(
    session: AsyncSession, req: evaluation_rpc.AnswerAppealRequest, ctx: CallContext
) -> evaluation_rpc.ScorecardView:
    """An evaluating party of the card answers an open appeal. Amending returns the new
    open version (the appealed one stays as it was); keeping returns the card."""
    row = await repository.appeal(session, req.appeal_id)
    card = await repository.scorecard(session, row.scorecard_id, req.scope) if row else None
    if row is None or card is None:
        raise evaluation_errors.AppealNotFound("no such appeal", field="appealId")
    scorecards.require_party(card, req.scope)
    if row.decision is not None:
        raise evaluation_errors.AppealNotAllowed("the appeal is answered", field="appealId")
    result = card
    if req.decision == evaluation_enums.AppealDecision.AMEND:
        amended = await scorecards.amend(
            session,
            evaluation_rpc.AmendScorecardRequest(
                scorecard_id=card.id, reason=req.answer, scope=req.scope
            ),
            ctx,
        )
        row.amended_scorecard_id = amended.id
        found = await repository.scorecard(session, amended.id, req.scope)
        assert found is not None  # just made
        result = found
    row.decision = req.decision
    row.answer = req.answer
    row.answered_by = ctx.actor
    row.answered_at = datetime.now(UTC)
    await session.flush()
    await _record(session, ctx, evaluation_events.AppealAnsweredV1, row, card)
    return await scorecard_view(session, result)


async def _record(
    session: AsyncSession,
    ctx: CallContext,
    cls: type[evaluation_events.AppealRaisedV1] | type[evaluation_events.AppealAnsweredV1],
    row: Appeal,
    card: Scorecard,
) -> None:
    data = evaluation_events.AppealData(
        appeal_id=row.id,
        scorecard_id=card.id,
        reasons=row.reasons,
        decision=evaluation_enums.AppealDecision(row.decision) if row.decision else None,
        answer=row.answer,
        amended_scorecard_id=row.amended_scorecard_id,
    )
    event = make_event(cls, ctx, data, engagement_id=card.engagement_id)
    await record_event(session, messaging, event)
