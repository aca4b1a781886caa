"""Reads of survey links: the agency's list, and the public page behind a token."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.engagement import rpc_survey_links as survey_rpc
from contracts.engagement.enums import EngagementStatus, Stage
from services.engagement.survey_links import domain, repository
from services.engagement.survey_links.views import link_view
from services.engagement.workflow import repository as workflow_repository


async def links(
    session: AsyncSession, req: survey_rpc.SurveyLinksRequest
) -> survey_rpc.SurveyLinksReply:
    """The links of an engagement the caller may see; none of one they may not."""
    found = await workflow_repository.engagements_by_ids(session, [req.engagement_id], req.scope)
    if req.engagement_id not in found:
        return survey_rpc.SurveyLinksReply(links=[])
    rows = await repository.links_of(session, req.engagement_id)
    return survey_rpc.SurveyLinksReply(links=[link_view(r) for r in rows])


async def by_token(
    session: AsyncSession, req: survey_rpc.SurveyByTokenRequest
) -> survey_rpc.SurveyByTokenReply:
    """What the respondent's page shows, or nothing: unknown, expired, revoked and full
    links all read the same."""
    found = await repository.by_token_hash(session, domain.token_hash(req.token))
    if found is None:
        return survey_rpc.SurveyByTokenReply(survey=None)
    link, engagement, unit_name, agency_name = found
    full = link.answer_count >= link.max_answers
    now = datetime.now(UTC)
    running = engagement.status == EngagementStatus.ACTIVE  # not suspended, ended or cancelled
    stage = Stage(engagement.stage)
    if not running or not domain.answerable(stage, link.revoked_at, link.expires_at, full, now):
        return survey_rpc.SurveyByTokenReply(survey=None)
    return survey_rpc.SurveyByTokenReply(
        survey=survey_rpc.PublicSurvey(
            unit_name=unit_name,
            agency_name=agency_name,
            method=link.method,
            questions=link.questions,
            expires_at=link.expires_at,
        )
    )
