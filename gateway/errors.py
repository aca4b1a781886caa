"""Typed errors of mutations: every mutation returns `Success | <these>`.

Domain errors from services arrive as `DomainError` with a stable code;
`to_graphql` turns each into the GraphQL type a client can switch on.
"""

from __future__ import annotations

from decimal import Decimal

import strawberry

from contracts.core import DomainError, NotFound, ValidationFailed
from contracts.core import ServiceUnavailable as ServiceUnavailableError
from contracts.engagement.errors import DuplicateUnit as DuplicateUnitError
from contracts.engagement.errors import EngagementNotFound as EngagementNotFoundError
from contracts.engagement.errors import InvalidUSCC as InvalidUSCCError
from contracts.engagement.errors import UnitNotFound as UnitNotFoundError
from contracts.evaluation.errors import IncompleteScorecard as IncompleteScorecardError
from contracts.evaluation.errors import InvalidTemplate as InvalidTemplateError
from contracts.evaluation.errors import ScorecardLocked as ScorecardLockedError
from contracts.evaluation.errors import ScorecardNotFinalized as ScorecardNotFinalizedError
from contracts.evaluation.errors import ScorecardNotFound as ScorecardNotFoundError
from contracts.evaluation.errors import ScoreOutOfRange as ScoreOutOfRangeError
from kit.auth import AuthError, AuthFailure


@strawberry.interface(description="Something the caller can fix or retry; `code` is stable.")
class Error:
    message: str
    code: str


@strawberry.type(description="An input field is invalid; `field` names it (camelCase).")
class ValidationError(Error):
    field: str | None


@strawberry.type(description="The 统一社会信用代码 is malformed or fails its GB 32100 check.")
class InvalidUSCC(Error):
    field: str | None


@strawberry.type(description="A unit with this 统一社会信用代码 is already registered.")
class DuplicateUnit(Error):
    field: str | None


@strawberry.type(description="No such unit — or none you may see.")
class UnitNotFound(Error):
    field: str | None


@strawberry.type(description="No such engagement — or none you may see.")
class EngagementNotFound(Error):
    field: str | None


# The domain enum itself becomes the GraphQL enum, so the two cannot drift apart.
strawberry.enum(AuthFailure, name="NotAuthorizedReason", description="Why a request was refused.")


@strawberry.type(
    description="No valid token, an expired one, or a role that may not do this. "
    "Objects you may not see are reported as not found instead."
)
class NotAuthorized(Error):
    reason: AuthFailure


@strawberry.type(description="A service did not answer in time; retrying later may succeed.")
class ServiceUnavailable(Error):
    request_id: str


# --- evaluation (绩效评价) ---------------------------------------------------------------


@strawberry.type(description="No such scorecard — or none you may see.")
class ScorecardNotFound(Error):
    field: str | None


@strawberry.type(description="The scorecard is finalised, falsified or superseded; amend it.")
class ScorecardLocked(Error):
    status: str


@strawberry.type(description="Only a finalised scorecard is amended; an open one is rescored.")
class ScorecardNotFinalized(Error):
    field: str | None


@strawberry.type(description="Points outside 0..max for the item.")
class ScoreOutOfRange(Error):
    item: str
    max: Decimal


@strawberry.type(description="Items nobody on the panel has scored yet.")
class IncompleteScorecard(Error):
    missing: list[str]


@strawberry.type(description="The template (variant) is refused: scored parts must sum to 100, …")
class InvalidTemplate(Error):
    reason: str


def _evaluation_error(exc: DomainError) -> Error | None:
    match exc:
        case ScorecardNotFoundError():
            return ScorecardNotFound(message=exc.message, code=exc.code, field=_camel(exc.field))
        case ScorecardLockedError():
            status = str(exc.details.get("status", ""))
            return ScorecardLocked(message=exc.message, code=exc.code, status=status)
        case ScorecardNotFinalizedError():
            field = _camel(exc.field)
            return ScorecardNotFinalized(message=exc.message, code=exc.code, field=field)
        case ScoreOutOfRangeError():
            item, top = str(exc.details.get("item", "")), Decimal(exc.details.get("max", "0"))
            return ScoreOutOfRange(message=exc.message, code=exc.code, item=item, max=top)
        case IncompleteScorecardError():
            missing = [str(m) for m in exc.details.get("missing", [])]
            return IncompleteScorecard(message=exc.message, code=exc.code, missing=missing)
        case InvalidTemplateError():
            reason = str(exc.details.get("reason", exc.message))
            return InvalidTemplate(message=exc.message, code=exc.code, reason=reason)
    return None


def to_graphql(exc: DomainError, request_id: str) -> Error:
    """The GraphQL error type for a domain error (the caller decides which it expects)."""
    field = _camel(exc.field)
    if (evaluation := _evaluation_error(exc)) is not None:
        return evaluation
    match exc:
        case InvalidUSCCError():
            return InvalidUSCC(message=exc.message, code=exc.code, field=field)
        case DuplicateUnitError():
            return DuplicateUnit(message=exc.message, code=exc.code, field=field)
        case UnitNotFoundError():
            return UnitNotFound(message=exc.message, code=exc.code, field=field)
        case EngagementNotFoundError():
            return EngagementNotFound(message=exc.message, code=exc.code, field=field)
        case AuthError():
            return NotAuthorized(message=exc.message, code=exc.code, reason=exc.reason)
        case ServiceUnavailableError():
            return ServiceUnavailable(message=exc.message, code=exc.code, request_id=request_id)
        case ValidationFailed() | NotFound():
            return ValidationError(message=exc.message, code=exc.code, field=field)
    raise exc


def _camel(name: str | None) -> str | None:
    """A field path (`period_end`, `outlets.0.code`) in the client's camelCase, each
    segment converted, so a nested input names the exact element that is wrong."""
    if not name:
        return None
    return ".".join(_camel_segment(part) for part in name.split("."))


def _camel_segment(part: str) -> str:
    head, *rest = part.split("_")
    return head + "".join(p.title() for p in rest)
