"""Errors that cross process boundaries, with their stable codes.

Both the service that raises one and the gateway that maps it to a GraphQL type
import it from here; `contracts.core.DomainError.from_dict` rebuilds it by code.
"""

from __future__ import annotations

from contracts.core import DomainError, NotFound, ValidationFailed


class InvalidUSCC(ValidationFailed):
    """The 统一社会信用代码 is malformed or its GB 32100 check character is wrong."""

    code = "invalid_uscc"


class UnitNotFound(NotFound):
    code = "unit_not_found"


class EngagementNotFound(NotFound):
    code = "engagement_not_found"


class DuplicateUnit(DomainError):
    """A unit with this USCC is already in the directory."""

    code = "duplicate_unit"


class TransitionNotAllowed(DomainError):
    """The engagement cannot change stage yet; `details` has from, to and missing."""

    code = "transition_not_allowed"


class WorkflowConflict(DomainError):
    """A step that does not fit the engagement's current state (e.g. submitting no draft)."""

    code = "workflow_conflict"


class ListItemNotFound(NotFound):
    code = "list_item_not_found"


class SurveyLinkNotFound(NotFound):
    """No such survey link — or none of an engagement the caller may see."""

    code = "survey_link_not_found"


class SurveyLinkInvalid(DomainError):
    """A survey link's token that cannot be answered: unknown, expired, revoked, full, or
    of an engagement not in a stage that records surveys. Which one is never said."""

    code = "survey_link_invalid"


class AlreadyAnswered(DomainError):
    """This respondent (name and phone) has already answered this survey link."""

    code = "survey_already_answered"


class RecordNotFound(NotFound):
    """No such service record (or team member) in this engagement."""

    code = "record_not_found"


class LinkRequestNotFound(NotFound):
    """No such proposal or invitation — or none the caller sent or may answer."""

    code = "link_request_not_found"


class LinkRequestClosed(DomainError):
    """The proposal or invitation was already accepted, declined, withdrawn or expired."""

    code = "link_request_closed"


class UnitAlreadyRegistered(DomainError):
    """A unit registering itself with a USCC the registry already has under another
    account: the platform's operator issues that unit's own token instead."""

    code = "unit_already_registered"


class AgencyNotFound(NotFound):
    """No agency with this 统一社会信用代码 has registered its profile."""

    code = "agency_not_found"


class ClientNotFound(NotFound):
    """No such client (园区, 集团, 区域) — or none of the caller's agency."""

    code = "client_not_found"
