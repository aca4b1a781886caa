"""满意度调查链接 (R4.2.3.1): the agency issues a link for one engagement, and the unit's
people answer it themselves, without an account.

The token is a secret shown once, when the link is issued; the service keeps only its
SHA-256. Each accepted answer becomes a satisfaction survey record of the engagement,
exactly as if agency staff had recorded it (`SurveyRecordedV1`).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from pydantic import Field, StringConstraints

from contracts.core import Contract, Rpc, Scope
from contracts.engagement.actions import SurveyAnswer
from contracts.engagement.enums import SurveyMethod

DEFAULT_QUESTIONS = (
    "您对本期环保管家服务的总体满意程度如何？",
    "服务团队的响应是否及时？",
    "服务人员的专业能力能否满足贵单位的需要？",
    "巡查中发现的问题是否得到了清楚的说明和整改指导？",
    "培训和咨询对贵单位的环境管理是否有帮助？",
    "您对今后的服务有什么意见或建议？",
)
DEFAULT_VALID_DAYS = 30
MAX_VALID_DAYS = 90
DEFAULT_MAX_ANSWERS = 200
MAX_ANSWERS = 1000
MAX_QUESTIONS = 50
TOKEN_MAX_LENGTH = 100  # issued tokens are 43 characters; anything longer is not ours


Question = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class IssueSurveyLinkRequest(Contract):
    engagement_id: UUID
    scope: Scope
    method: SurveyMethod = SurveyMethod.ONLINE
    questions: list[Question] = Field(
        default_factory=lambda: list(DEFAULT_QUESTIONS), min_length=1, max_length=MAX_QUESTIONS
    )
    expires_at: datetime | None = Field(
        default=None,
        description=f"Default {DEFAULT_VALID_DAYS} days from now, at most {MAX_VALID_DAYS}.",
    )
    max_answers: int = Field(default=DEFAULT_MAX_ANSWERS, ge=1, le=MAX_ANSWERS)


class SurveyLinkView(Contract):
    id: UUID
    engagement_id: UUID
    method: SurveyMethod
    questions: list[str]
    expires_at: datetime
    revoked_at: datetime | None
    answer_count: int
    max_answers: int
    issued_by: str
    issued_at: datetime


class SurveyLinkIssued(Contract):
    link: SurveyLinkView
    token: str = Field(description="The secret of the link; returned this once, never again.")


class RevokeSurveyLinkRequest(Contract):
    link_id: UUID
    scope: Scope


class SurveyLinksRequest(Contract):
    engagement_id: UUID
    scope: Scope


class SurveyLinksReply(Contract):
    links: list[SurveyLinkView]


class SurveyByTokenRequest(Contract):
    token: str = Field(max_length=TOKEN_MAX_LENGTH)


class PublicSurvey(Contract):
    """What a respondent's page shows: who asks whom, and what."""

    unit_name: str
    agency_name: str | None
    method: SurveyMethod
    questions: list[str]
    expires_at: datetime


class SurveyByTokenReply(Contract):
    survey: PublicSurvey | None


class AnswerSurveyRequest(Contract):
    token: str = Field(max_length=TOKEN_MAX_LENGTH)
    respondent: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)
    ]
    phone: str | None = Field(default=None, pattern=r"^[0-9]{5,20}$")
    score: Decimal = Field(ge=0, le=100, max_digits=5, decimal_places=2)
    answers: list[SurveyAnswer] = Field(default_factory=list, max_length=MAX_QUESTIONS)


class SurveyAnswerAccepted(Contract):
    answered_on: date


class LinkSurveyAnswer(Contract):
    """The details kept on the satisfaction survey record of an answer through a link:
    the fields of `RecordSurvey`, the respondent's name, and their phone only as part of
    `respondent_hash`."""

    method: SurveyMethod
    conducted_on: date
    score: Decimal
    answers: list[SurveyAnswer]
    respondent: str
    respondent_hash: str
    survey_link_id: UUID


ISSUE_SURVEY_LINK = Rpc("engagement", "survey_link.issue", IssueSurveyLinkRequest, SurveyLinkIssued)
REVOKE_SURVEY_LINK = Rpc(
    "engagement", "survey_link.revoke", RevokeSurveyLinkRequest, SurveyLinkView
)
SURVEY_LINKS = Rpc("engagement", "survey_link.list", SurveyLinksRequest, SurveyLinksReply)
SURVEY_BY_TOKEN = Rpc(
    "engagement", "survey_link.by_token", SurveyByTokenRequest, SurveyByTokenReply
)
ANSWER_SURVEY = Rpc("engagement", "survey_link.answer", AnswerSurveyRequest, SurveyAnswerAccepted)

SURVEY_LINK_RPCS: tuple[Rpc[Any, Any], ...] = (
    ISSUE_SURVEY_LINK,
    REVOKE_SURVEY_LINK,
    SURVEY_LINKS,
    SURVEY_BY_TOKEN,
    ANSWER_SURVEY,
)
