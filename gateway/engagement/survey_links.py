"""GraphQL of survey links (满意度调查链接, R4.2.3.1): the agency issues, lists and revokes
links for an engagement; anyone holding a link's token reads its questions and answers
once, without logging in. Each answer becomes a satisfaction survey record."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

import strawberry
from strawberry.types import Info

from contracts.core import DomainError
from contracts.engagement import rpc_survey_links as survey_rpc
from contracts.engagement.actions import SurveyAnswer
from contracts.engagement.enums import SurveyMethod
from gateway.context import Context, scope_of
from gateway.engagement.errors import (
    AlreadyAnswered,
    EngagementNotFound,
    SurveyLinkInvalid,
    SurveyLinkNotFound,
    WorkflowConflict,
)
from gateway.engagement.workflow_inputs import SurveyAnswerInput
from gateway.errors import NotAuthorized, ServiceUnavailable, ValidationError
from gateway.idempotency import mutation_scope
from gateway.ids import decode_global_id, encode_global_id
from gateway.mutation import ResultUnion, invalid_input, run_mutation, typed_error

ISSUE = ("survey_link", "issue")
REVOKE = ("survey_link", "revoke")
READ = ("survey_link", "read")


@strawberry.type(description="满意度调查链接: a link the agency issued for one engagement.")
class SurveyLink:
    id: strawberry.ID
    engagement_id: strawberry.ID
    method: SurveyMethod
    questions: list[str]
    expires_at: datetime
    revoked_at: datetime | None
    answer_count: int
    max_answers: int
    issued_by: str
    issued_at: datetime

    @classmethod
    def from_view(cls, v: survey_rpc.SurveyLinkView) -> SurveyLink:
        return cls(
            id=strawberry.ID(encode_global_id("SurveyLink", v.id)),
            engagement_id=strawberry.ID(encode_global_id("Engagement", v.engagement_id)),
            method=v.method,
            questions=v.questions,
            expires_at=v.expires_at,
            revoked_at=v.revoked_at,
            answer_count=v.answer_count,
            max_answers=v.max_answers,
            issued_by=v.issued_by,
            issued_at=v.issued_at,
        )


@strawberry.type(description="What a respondent's page shows for a survey link's token.")
class PublicSurvey:
    unit_name: str
    agency_name: str | None
    method: SurveyMethod
    questions: list[str]
    expires_at: datetime


@strawberry.input
class IssueSurveyLinkInput:
    engagement_id: strawberry.ID
    method: SurveyMethod = strawberry.field(
        default=SurveyMethod.ONLINE, description="Default ONLINE (网络调查)."
    )
    questions: list[str] | None = strawberry.field(
        default=None,
        description=f"At most {survey_rpc.MAX_QUESTIONS}; default the standard 满意度 questions.",
    )
    expires_at: datetime | None = strawberry.field(
        default=None,
        description=f"Default {survey_rpc.DEFAULT_VALID_DAYS} days from now, at most "
        f"{survey_rpc.MAX_VALID_DAYS}.",
    )
    max_answers: int = strawberry.field(
        default=survey_rpc.DEFAULT_MAX_ANSWERS,
        description=f"How many answers the link takes, 1–{survey_rpc.MAX_ANSWERS}.",
    )


@strawberry.input
class RevokeSurveyLinkInput:
    link_id: strawberry.ID


@strawberry.input
class AnswerSurveyInput:
    token: str
    respondent: str = strawberry.field(description="The respondent's name, 1–50 characters.")
    phone: str | None = strawberry.field(default=None, description="Digits only, optional.")
    score: Decimal = strawberry.field(description="Overall satisfaction, 0–100.")
    answers: list[SurveyAnswerInput] = strawberry.field(default_factory=list)


@strawberry.type(description="The link, and its token: shown this once, never again.")
class SurveyLinkIssued:
    link: SurveyLink
    token: str


@strawberry.type
class RevokeSurveyLinkSuccess:
    link: SurveyLink


@strawberry.type(description="The answer was recorded as a satisfaction survey.")
class SurveyAnswerAccepted:
    answered_on: date


IssueSurveyLinkResult = Annotated[
    SurveyLinkIssued
    | EngagementNotFound
    | WorkflowConflict
    | ValidationError
    | NotAuthorized
    | ServiceUnavailable,
    strawberry.union("IssueSurveyLinkResult"),
]
RevokeSurveyLinkResult = Annotated[
    RevokeSurveyLinkSuccess
    | SurveyLinkNotFound
    | ValidationError
    | NotAuthorized
    | ServiceUnavailable,
    strawberry.union("RevokeSurveyLinkResult"),
]
AnswerSurveyResult = Annotated[
    SurveyAnswerAccepted
    | SurveyLinkInvalid
    | ValidationError
    | AlreadyAnswered
    | ServiceUnavailable,
    strawberry.union("AnswerSurveyResult"),
]
ISSUE_RESULT: ResultUnion[IssueSurveyLinkResult] = ResultUnion(IssueSurveyLinkResult)
REVOKE_RESULT: ResultUnion[RevokeSurveyLinkResult] = ResultUnion(RevokeSurveyLinkResult)
ANSWER_RESULT: ResultUnion[AnswerSurveyResult] = ResultUnion(AnswerSurveyResult)


@strawberry.type
class SurveyLinkQueries:
    @strawberry.field(description="An engagement's survey links, oldest first (no tokens).")
    async def survey_links(
        self, info: Info[Context, None], engagement_id: strawberry.ID
    ) -> list[SurveyLink]:
        ctx = info.context
        if not ctx.authorizer.can(*READ):
            return []
        req = survey_rpc.SurveyLinksRequest(
            engagement_id=decode_global_id(engagement_id, "Engagement", field="engagementId"),
            scope=scope_of(ctx.authorizer),
        )
        return [SurveyLink.from_view(v) for v in await ctx.clients.engagement.survey_links(req)]

    @strawberry.field(
        description="Public, no login: the survey behind a link's token, or null when the "
        "token is unknown, expired, revoked or the link is full (which is not said)."
    )
    async def survey_by_token(self, info: Info[Context, None], token: str) -> PublicSurvey | None:
        if len(token) > survey_rpc.TOKEN_MAX_LENGTH:
            return None
        survey = await info.context.clients.engagement.survey_by_token(token)
        if survey is None:
            return None
        return PublicSurvey(
            unit_name=survey.unit_name,
            agency_name=survey.agency_name,
            method=survey.method,
            questions=survey.questions,
            expires_at=survey.expires_at,
        )


@strawberry.type
class SurveyLinkMutations:
    @strawberry.mutation(
        description="Issue a satisfaction survey link for an engagement (R4.2.3.1); the "
        "token is in this answer only."
    )
    async def issue_survey_link(
        self, info: Info[Context, None], input: IssueSurveyLinkInput
    ) -> IssueSurveyLinkResult:
        ctx = info.context

        def request() -> survey_rpc.IssueSurveyLinkRequest:
            engagement = decode_global_id(input.engagement_id, "Engagement", field="engagementId")
            given = {} if input.questions is None else {"questions": input.questions}
            return survey_rpc.IssueSurveyLinkRequest(
                engagement_id=engagement,
                scope=scope_of(ctx.authorizer),
                method=input.method,
                expires_at=input.expires_at,
                max_answers=input.max_answers,
                **given,
            )

        return await run_mutation(
            info,
            ISSUE_RESULT,
            ISSUE,
            request=request,
            send=ctx.clients.engagement.issue_survey_link,
            success=lambda issued: SurveyLinkIssued(
                link=SurveyLink.from_view(issued.link), token=issued.token
            ),
        )

    @strawberry.mutation(description="Revoke a survey link: it takes no more answers.")
    async def revoke_survey_link(
        self, info: Info[Context, None], input: RevokeSurveyLinkInput
    ) -> RevokeSurveyLinkResult:
        ctx = info.context
        return await run_mutation(
            info,
            REVOKE_RESULT,
            REVOKE,
            request=lambda: survey_rpc.RevokeSurveyLinkRequest(
                link_id=decode_global_id(input.link_id, "SurveyLink", field="linkId"),
                scope=scope_of(ctx.authorizer),
            ),
            send=ctx.clients.engagement.revoke_survey_link,
            success=lambda view: RevokeSurveyLinkSuccess(link=SurveyLink.from_view(view)),
        )

    @strawberry.mutation(
        description="Public, no login: answer a survey through its link, once per respondent "
        "(name and phone). Recorded as a satisfaction survey of the engagement."
    )
    async def answer_survey(
        self, info: Info[Context, None], input: AnswerSurveyInput
    ) -> AnswerSurveyResult:
        # No casbin check: holding the token is the permission (run_mutation is for callers
        # casbin knows; anonymous callers are never allowed there).
        ctx = info.context
        try:
            try:
                req = survey_rpc.AnswerSurveyRequest(
                    token=input.token,
                    respondent=input.respondent,
                    phone=input.phone,
                    score=input.score,
                    answers=[
                        SurveyAnswer(question=a.question, answer=a.answer) for a in input.answers
                    ],
                )
            except ValueError as exc:
                raise invalid_input(exc) from None
            with mutation_scope(info):
                accepted = await ctx.clients.engagement.answer_survey(req)
            return SurveyAnswerAccepted(answered_on=accepted.answered_on)
        except DomainError as exc:
            return typed_error(exc, ctx.request_id, ANSWER_RESULT.members, ctx.language)  # type: ignore[return-value]
