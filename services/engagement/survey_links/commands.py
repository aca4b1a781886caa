"""Use cases that change survey links: issue, revoke, and answer (public, no account).

An answer is a satisfaction survey record of the engagement, written with its
`SurveyRecordedV1` in the outbox and the response row in one transaction, so the
archive traces it and the evaluation counts it (三.5) as one recorded by the agency.
A refused answer raises before anything is written; the transaction rolls back.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.core import ValidationFailed
from contracts.engagement import event_data as engagement_event_data
from contracts.engagement import events as engagement_events
from contracts.engagement import rpc_survey_links as survey_rpc
from contracts.engagement.enums import EngagementStatus, RecordKind, Stage
from contracts.engagement.errors import (
    AlreadyAnswered,
    EngagementNotFound,
    SurveyLinkInvalid,
    SurveyLinkNotFound,
)
from kit.ids import new_id
from kit.rpc import CallContext
from services.engagement import clock
from services.engagement.models import SurveyLink, SurveyResponse
from services.engagement.survey_links import domain, repository
from services.engagement.survey_links.views import link_view
from services.engagement.workflow import repository as workflow_repository
from services.engagement.workflow.commands.step import Step
from services.engagement.workflow.domain import check_status_allows, require_stage


async def issue(
    session: AsyncSession, req: survey_rpc.IssueSurveyLinkRequest, ctx: CallContext
) -> survey_rpc.SurveyLinkIssued:
    found = await workflow_repository.engagements_by_ids(session, [req.engagement_id], req.scope)
    if req.engagement_id not in found:
        raise EngagementNotFound("no such engagement", field="engagementId")
    engagement, _region = found[req.engagement_id]
    # A link is for answers now: as recordSurvey, only while surveys can be recorded.
    require_stage(Stage(engagement.stage), *domain.SURVEY_STAGES, step="a satisfaction survey")
    check_status_allows(EngagementStatus(engagement.status), "issue_survey_link")
    now = datetime.now(UTC)
    token = domain.new_token()
    link = SurveyLink(
        id=new_id(),
        engagement_id=engagement.id,
        token_hash=domain.token_hash(token),
        method=req.method,
        questions=list(req.questions),
        expires_at=domain.expiry(req.expires_at, now),
        revoked_at=None,
        revoked_by=None,
        answer_count=0,
        max_answers=req.max_answers,
        issued_by=ctx.actor,
        issued_at=now,
    )
    session.add(link)
    await session.flush()
    return survey_rpc.SurveyLinkIssued(link=link_view(link), token=token)


async def revoke(
    session: AsyncSession, req: survey_rpc.RevokeSurveyLinkRequest, ctx: CallContext
) -> survey_rpc.SurveyLinkView:
    """Stop a link; revoking a revoked link changes nothing (the first revocation stays)."""
    link = await repository.link_in_scope(session, req.link_id, req.scope)
    if link is None:
        raise SurveyLinkNotFound("no such survey link", field="linkId")
    if link.revoked_at is None:
        link.revoked_at = datetime.now(UTC)
        link.revoked_by = ctx.actor
        await session.flush()
    return link_view(link)


async def answer(
    session: AsyncSession, req: survey_rpc.AnswerSurveyRequest, ctx: CallContext
) -> survey_rpc.SurveyAnswerAccepted:
    """One respondent's answer. An unknown token costs one indexed lookup and no write,
    as does any other refusal; the reply never says why a link cannot be answered."""
    key = domain.respondent_key(req.respondent, req.phone)
    # Looked up by the hash: timing can tell at most how the hash of a guess compares
    # with stored hashes, which says nothing about any token.
    found = await repository.by_token_hash(session, domain.token_hash(req.token))
    if found is None:
        raise SurveyLinkInvalid("this survey link cannot be answered", field="token")
    link, engagement, _unit_name, _agency_name = found
    now = datetime.now(UTC)
    full = link.answer_count >= link.max_answers
    running = engagement.status == EngagementStatus.ACTIVE  # not suspended, ended or cancelled
    stage = Stage(engagement.stage)
    if not running or not domain.answerable(stage, link.revoked_at, link.expires_at, full, now):
        raise SurveyLinkInvalid("this survey link cannot be answered", field="token")
    asked = set(link.questions)
    if any(a.question not in asked for a in req.answers) or len(
        {a.question for a in req.answers}
    ) < len(req.answers):
        raise ValidationFailed("answer each of the link's questions at most once", field="answers")
    # Steps on this engagement wait for us (and we for them): the stage holds until commit.
    await workflow_repository.lock_engagement(session, engagement.id)
    if not await repository.claim_answer(session, link.id, now):
        raise SurveyLinkInvalid("this survey link cannot be answered", field="token")
    who = domain.respondent_hash(link.id, key)
    if await repository.answered(session, link.id, who):
        raise AlreadyAnswered("you have already answered this survey", field="respondent")

    as_link = dataclasses.replace(
        ctx, actor=f"survey-link:{link.id}", tenant=f"unit:{engagement.unit_id}"
    )
    step = Step(session, engagement, as_link)
    details = survey_rpc.LinkSurveyAnswer(
        method=link.method,
        conducted_on=clock.today(),
        score=req.score,
        answers=req.answers,
        respondent=req.respondent,
        respondent_hash=who,
        survey_link_id=link.id,
    )
    record = await step.record(RecordKind.SATISFACTION_SURVEY, details.conducted_on, details, None)
    await session.flush()  # the record first: the response references it
    session.add(
        SurveyResponse(
            id=new_id(), link_id=link.id, respondent_hash=who, record_id=record.id, answered_at=now
        )
    )
    try:
        await session.flush()
    except IntegrityError:
        # The same respondent at the same instant on another connection: one wins.
        raise AlreadyAnswered("you have already answered this survey", field="respondent") from None
    await step.emit(
        engagement_events.SurveyRecordedV1,
        engagement_event_data.SurveyRecordedData.from_row(details, survey_id=record.id),
    )
    return survey_rpc.SurveyAnswerAccepted(answered_on=details.conducted_on)
