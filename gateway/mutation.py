"""The one way a mutation runs: casbin first, then the request, and every failure as a
member of the mutation's result union — never an error in `errors`.

    return await run_mutation(
        info, CREATE_UNIT, ("unit", "create"),   # CREATE_UNIT = ResultUnion(CreateUnitResult)
        request=lambda: engagement_rpc_directory.CreateUnitRequest(...),  # may raise
        send=ctx.clients.engagement.create_unit,
        success=lambda view: CreateUnitSuccess(unit=Unit.from_view(view)),
    )

A `DomainError` becomes the GraphQL type ERRORS names for its code; a pydantic error
raised while the request is built becomes `ValidationError` on the camelCase path of
the first wrong field (`serviceModes`, `feeTerms.amount`, `outlets.0.code`).
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Generic, TypeVar, cast

import pydantic
from strawberry.types import Info

from contracts.archive import enums as archive_enums
from contracts.archive import errors as archive_errors
from contracts.compliance import errors as compliance_errors
from contracts.core import Contract, DomainError, NotFound, ValidationFailed
from contracts.core import NotAuthorized as NotAuthorizedError
from contracts.core import ServiceUnavailable as ServiceUnavailableError
from contracts.engagement import errors as engagement_errors
from contracts.evaluation import errors as evaluation_errors
from gateway.archive import documents_errors as document_graphql_errors
from gateway.archive import errors as archive_graphql_errors
from gateway.compliance import errors as compliance_graphql_errors
from gateway.context import Context
from gateway.engagement import errors as engagement_graphql_errors
from gateway.errors import Error, NotAuthorized, ServiceUnavailable, ValidationError, camel
from gateway.evaluation import errors as evaluation_graphql_errors
from gateway.i18n.language import DEFAULT, Language
from gateway.i18n.say import error_message, listed, missing_of
from gateway.idempotency import mutation_scope
from kit.auth import AuthFailure
from kit.validation import INVALID, validation_failed

C = TypeVar("C", bound=Contract)
Request = TypeVar("Request")
Reply = TypeVar("Reply")
Result = TypeVar("Result")
Fields = Callable[[DomainError, str, Language], dict[str, Any]]


@dataclass(frozen=True)
class ErrorType:
    """A GraphQL error type and its fields beyond `message` and `code`, from the domain
    error (its field, details), the request id and the caller's language."""

    type: type[Error]
    fields: Fields

    def build(self, exc: DomainError, request_id: str, language: Language = DEFAULT) -> Error:
        return self.type(
            message=error_message(exc, language),
            code=exc.code,
            **self.fields(exc, request_id, language),
        )


def _field(exc: DomainError, _request_id: str, _language: Language) -> dict[str, Any]:
    return {"field": camel(exc.field)}


def _named(field: str) -> Fields:
    return lambda _exc, _request_id, _language: {"field": field}


def _details(**read: Callable[[dict[str, Any]], Any]) -> Fields:
    return lambda exc, _request_id, _language: {name: f(exc.details) for name, f in read.items()}


def _reason(exc: DomainError, _request_id: str, _language: Language) -> dict[str, Any]:
    reason = getattr(exc, "reason", None) or exc.details.get("reason")
    return {"reason": AuthFailure(reason or AuthFailure.PERMISSION_DENIED)}


def _strings(key: str) -> Callable[[dict[str, Any]], list[str]]:
    return lambda details: [str(m) for m in details.get(key, [])]


def _string(key: str, default: str = "") -> Callable[[dict[str, Any]], str]:
    return lambda details: str(details.get(key, default))


ERRORS: dict[str, ErrorType] = {
    # any service
    ValidationFailed.code: ErrorType(ValidationError, _field),
    NotFound.code: ErrorType(ValidationError, _field),
    NotAuthorizedError.code: ErrorType(NotAuthorized, _reason),
    ServiceUnavailableError.code: ErrorType(
        ServiceUnavailable, lambda _exc, request_id, _language: {"request_id": request_id}
    ),
    # engagement: directory, engagements, workflow
    engagement_errors.InvalidUSCC.code: ErrorType(engagement_graphql_errors.InvalidUSCC, _field),
    engagement_errors.DuplicateUnit.code: ErrorType(
        engagement_graphql_errors.DuplicateUnit, _field
    ),
    engagement_errors.UnitNotFound.code: ErrorType(engagement_graphql_errors.UnitNotFound, _field),
    # the unit registry (issue 14)
    engagement_errors.LinkRequestNotFound.code: ErrorType(
        engagement_graphql_errors.LinkRequestNotFound, _field
    ),
    engagement_errors.LinkRequestClosed.code: ErrorType(
        engagement_graphql_errors.LinkRequestClosed, _field
    ),
    engagement_errors.UnitAlreadyRegistered.code: ErrorType(
        engagement_graphql_errors.UnitAlreadyRegistered, _field
    ),
    engagement_errors.AgencyNotFound.code: ErrorType(
        engagement_graphql_errors.AgencyNotFound, _field
    ),
    engagement_errors.ClientNotFound.code: ErrorType(
        engagement_graphql_errors.ClientNotFound, _field
    ),
    engagement_errors.EngagementNotFound.code: ErrorType(
        engagement_graphql_errors.EngagementNotFound, _field
    ),
    engagement_errors.TransitionNotAllowed.code: ErrorType(
        engagement_graphql_errors.TransitionNotAllowed,
        lambda exc, _request_id, language: {
            "from_stage": str(exc.details.get("from", "")),
            "to_stage": str(exc.details.get("to", "")),
            "missing": missing_of(exc, language),
        },
    ),
    engagement_errors.WorkflowConflict.code: ErrorType(
        engagement_graphql_errors.WorkflowConflict, lambda _exc, _request_id, _language: {}
    ),
    engagement_errors.ListItemNotFound.code: ErrorType(
        engagement_graphql_errors.ListItemNotFound, _named("itemId")
    ),
    engagement_errors.RecordNotFound.code: ErrorType(
        engagement_graphql_errors.RecordNotFound, _field
    ),
    engagement_errors.SurveyLinkNotFound.code: ErrorType(
        engagement_graphql_errors.SurveyLinkNotFound, _named("linkId")
    ),
    engagement_errors.SurveyLinkInvalid.code: ErrorType(
        engagement_graphql_errors.SurveyLinkInvalid, lambda _exc, _request_id, _language: {}
    ),
    engagement_errors.AlreadyAnswered.code: ErrorType(
        engagement_graphql_errors.AlreadyAnswered, lambda _exc, _request_id, _language: {}
    ),
    # evaluation
    evaluation_errors.ScorecardNotFound.code: ErrorType(
        evaluation_graphql_errors.ScorecardNotFound, _field
    ),
    evaluation_errors.TemplateNotFound.code: ErrorType(ValidationError, _named("templateId")),
    evaluation_errors.ScorecardLocked.code: ErrorType(
        evaluation_graphql_errors.ScorecardLocked, _details(status=_string("status"))
    ),
    evaluation_errors.ScorecardNotFinalized.code: ErrorType(
        evaluation_graphql_errors.ScorecardNotFinalized, _field
    ),
    evaluation_errors.ScoreOutOfRange.code: ErrorType(
        evaluation_graphql_errors.ScoreOutOfRange,
        _details(item=_string("item"), max=lambda d: Decimal(d.get("max", "0"))),
    ),
    evaluation_errors.IncompleteScorecard.code: ErrorType(
        evaluation_graphql_errors.IncompleteScorecard, _details(missing=_strings("missing"))
    ),
    evaluation_errors.InvalidTemplate.code: ErrorType(
        evaluation_graphql_errors.InvalidTemplate,
        lambda exc, _request_id, language: {"reason": error_message(exc, language)},
    ),
    evaluation_errors.AppealNotAllowed.code: ErrorType(
        evaluation_graphql_errors.AppealNotAllowed, _field
    ),
    evaluation_errors.AppealNotFound.code: ErrorType(
        evaluation_graphql_errors.AppealNotFound, _field
    ),
    evaluation_errors.SelfAssessmentPending.code: ErrorType(
        evaluation_graphql_errors.SelfAssessmentPending, _field
    ),
    # compliance calendar
    compliance_errors.ComplianceUnitNotFound.code: ErrorType(
        compliance_graphql_errors.ComplianceUnitNotFound, _field
    ),
    compliance_errors.PermitNotFound.code: ErrorType(
        compliance_graphql_errors.PermitNotFound, _field
    ),
    compliance_errors.DuplicatePermit.code: ErrorType(
        compliance_graphql_errors.DuplicatePermit, _field
    ),
    compliance_errors.OccurrenceNotFound.code: ErrorType(
        compliance_graphql_errors.OccurrenceNotFound, _field
    ),
    compliance_errors.OccurrenceClosed.code: ErrorType(
        compliance_graphql_errors.OccurrenceClosed, _details(state=_string("state"))
    ),
    compliance_errors.InvalidRule.code: ErrorType(compliance_graphql_errors.InvalidRule, _field),
    compliance_errors.InvalidEmailAddress.code: ErrorType(
        compliance_graphql_errors.InvalidEmailAddress, _field
    ),
    compliance_errors.InvalidWebhookUrl.code: ErrorType(
        compliance_graphql_errors.InvalidWebhookUrl, _field
    ),
    compliance_errors.ChannelWithoutAddress.code: ErrorType(
        compliance_graphql_errors.ChannelWithoutAddress,
        lambda exc, _r, _l: {
            "field": camel(exc.field),
            "channel": str(exc.details.get("channel", "")),
        },
    ),
    compliance_errors.WebhookEndpointNotFound.code: ErrorType(
        compliance_graphql_errors.WebhookEndpointNotFound, _field
    ),
    # archive catalogue
    archive_errors.ArchiveItemNotFound.code: ErrorType(
        archive_graphql_errors.ArchiveItemNotFound, _field
    ),
    archive_errors.ArchiveRecordNotFound.code: ErrorType(
        archive_graphql_errors.ArchiveRecordNotFound, _field
    ),
    archive_errors.UploadRejected.code: ErrorType(archive_graphql_errors.UploadRejected, _field),
    archive_errors.UploadMismatch.code: ErrorType(archive_graphql_errors.UploadMismatch, _field),
    archive_errors.ArchiveStateConflict.code: ErrorType(
        archive_graphql_errors.ArchiveStateConflict, _field
    ),
    archive_errors.HandoverIncomplete.code: ErrorType(
        archive_graphql_errors.HandoverIncomplete,
        lambda exc, request_id, language: {
            **_field(exc, request_id, language),
            "missing": [archive_enums.ItemCategory(k) for k in exc.details.get("missing", [])],
        },
    ),
    # evidence on records (the archive's check of the items a record links)
    archive_errors.EvidenceNotFound.code: ErrorType(
        archive_graphql_errors.EvidenceNotFound, _field
    ),
    archive_errors.EvidenceNotFiled.code: ErrorType(
        archive_graphql_errors.EvidenceNotFiled, _field
    ),
    archive_errors.EvidenceOtherEngagement.code: ErrorType(
        archive_graphql_errors.EvidenceOtherEngagement, _field
    ),
    engagement_errors.RecordNotFound.code: ErrorType(
        engagement_graphql_errors.RecordNotFound, _field
    ),
    # generated documents
    archive_errors.DocumentDataMissing.code: ErrorType(
        document_graphql_errors.DocumentDataMissing,
        lambda exc, _request_id, language: {"missing": listed(exc, "missing", language)},
    ),
    archive_errors.DocumentFormatNotOffered.code: ErrorType(
        document_graphql_errors.DocumentFormatNotOffered,
        lambda exc, _request_id, _language: {
            "field": camel(exc.field),
            "offered": [str(f) for f in exc.details.get("offered", [])],
        },
    ),
    archive_errors.DocumentTemplateNotFound.code: ErrorType(
        document_graphql_errors.DocumentTemplateNotFound, _field
    ),
    archive_errors.InvalidDocumentTemplate.code: ErrorType(
        document_graphql_errors.InvalidDocumentTemplate,
        lambda exc, _request_id, language: {"problems": listed(exc, "problems", language)},
    ),
}


def typed_error(
    exc: DomainError, request_id: str, members: tuple[type, ...], language: Language = DEFAULT
) -> Error:
    """The member of a result union that reports `exc`. A code the union has no type
    for, but which is bad input or a missing object, is a ValidationError on its field;
    anything else is not the caller's to fix and is raised (a masked INTERNAL error)."""
    mapped = ERRORS.get(exc.code)
    if mapped is not None and mapped.type in members:
        return mapped.build(exc, request_id, language)
    if isinstance(exc, ValidationFailed | NotFound) and ValidationError in members:
        return ERRORS[ValidationFailed.code].build(exc, request_id, language)
    raise exc


def checked(contract: type[C], **fields: Any) -> C:
    """A request contract from a query's arguments; refused input is VALIDATION_FAILED on
    the argument's camelCase name, as in mutations."""
    try:
        return contract(**fields)
    except ValueError as exc:
        raise invalid_input(exc) from None


def invalid_input(exc: ValueError) -> ValidationFailed:
    """A request contract refused the input: its first error, on the camelCase path."""
    if isinstance(exc, pydantic.ValidationError) and exc.errors():
        refused = validation_failed(exc)
        return ValidationFailed(
            refused.said.template, field=camel(refused.field), params=refused.said.params
        )
    return ValidationFailed(INVALID, params={"detail": str(exc).splitlines()[-1]})


class ResultUnion(Generic[Result]):
    """A mutation's result union (`Annotated[A | B | …, strawberry.union(…)]`) as a value:
    its members at run time, itself as a type for mypy, which cannot take a union as an
    argument's type. Declare it as `X: ResultUnion[XResult] = ResultUnion(XResult)`."""

    def __init__(self, union: object) -> None:
        if typing.get_origin(union) is typing.Annotated:
            union = typing.get_args(union)[0]
        self.members: tuple[type, ...] = typing.get_args(union) or (union,)


async def run_mutation(
    info: Info[Context, None],
    result: ResultUnion[Result],
    permission: tuple[str, str],
    *,
    request: Callable[[], Request | Awaitable[Request]],
    send: Callable[[Request], Awaitable[Reply]],
    success: Callable[[Reply], Result],
) -> Result:
    """Run one mutation; the answer is always a member of `result`.

    `permission` is the casbin (object, action) checked before anything is built or sent.
    `request` builds the request contract (it may look things up first); `send` is the
    client method that sends it; `success` wraps the reply in the success type.
    """
    ctx = info.context
    try:
        if not ctx.authorizer.can(*permission):
            raise ctx.denied()
        try:
            built = request()
            req: Request = await built if inspect.isawaitable(built) else built
        except ValueError as exc:  # pydantic's ValidationError is a ValueError
            raise invalid_input(exc) from None
        with mutation_scope(info):
            reply = await send(req)
        return success(reply)
    except DomainError as exc:
        return cast(Result, typed_error(exc, ctx.request_id, result.members, ctx.language))
