"""Typed errors of the directory, engagements and their workflow steps."""

from __future__ import annotations

import strawberry

from gateway.errors import Error


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


@strawberry.type(
    description="The engagement cannot change stage yet: `missing` lists what it still needs."
)
class TransitionNotAllowed(Error):
    from_stage: str
    to_stage: str
    missing: list[str]


@strawberry.type(description="The step does not fit the engagement's current state.")
class WorkflowConflict(Error):
    pass


@strawberry.type(description="No such service list item in this engagement.")
class ListItemNotFound(Error):
    field: str | None


@strawberry.type(description="No such survey link — or none you may see.")
class SurveyLinkNotFound(Error):
    field: str | None


@strawberry.type(
    description="This survey link cannot be answered (unknown, expired, revoked or full; "
    "which one is not said)."
)
class SurveyLinkInvalid(Error):
    pass


@strawberry.type(description="This respondent (name and phone) has already answered this link.")
class AlreadyAnswered(Error):
    pass


@strawberry.type(
    description="No such record (service record, rectification item or team member) "
    "in this engagement."
)
class RecordNotFound(Error):
    field: str | None


@strawberry.type(description="No such proposal or invitation — or none you sent or may answer.")
class LinkRequestNotFound(Error):
    field: str | None


@strawberry.type(
    description="The proposal or invitation was already accepted, declined, withdrawn or expired."
)
class LinkRequestClosed(Error):
    field: str | None


@strawberry.type(
    description="This 统一社会信用代码 is already in the registry under another account: "
    "the platform's operator issues that unit's own token."
)
class UnitAlreadyRegistered(Error):
    field: str | None


@strawberry.type(description="No agency with this 统一社会信用代码 has registered its profile.")
class AgencyNotFound(Error):
    field: str | None


@strawberry.type(description="No such client (园区, 集团, 区域) — or none of your agency.")
class ClientNotFound(Error):
    field: str | None
