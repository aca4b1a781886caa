"""Typed errors of mutations: every mutation returns `Success | <these>`.

Domain errors from services arrive as `DomainError` with a stable code;
`to_graphql` turns each into the GraphQL type a client can switch on.
"""

from __future__ import annotations

import strawberry

from contracts.errors import DuplicateUnit as DuplicateUnitError
from contracts.errors import EngagementNotFound as EngagementNotFoundError
from contracts.errors import InvalidUSCC as InvalidUSCCError
from contracts.errors import UnitNotFound as UnitNotFoundError
from kit.auth import AuthError, AuthFailure
from kit.errors import DomainError, NotFound, ValidationFailed
from kit.errors import ServiceUnavailable as ServiceUnavailableError


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


def to_graphql(exc: DomainError, request_id: str) -> Error:
    """The GraphQL error type for a domain error (the caller decides which it expects)."""
    field = _camel(exc.field)
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
    """Service field paths (`period_end`, `data.uscc`) in the client's camelCase."""
    if not name:
        return None
    last = name.split(".")[-1]
    head, *rest = last.split("_")
    return head + "".join(p.title() for p in rest)
