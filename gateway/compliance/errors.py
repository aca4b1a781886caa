"""Typed errors of the compliance calendar (合规日历)."""

from __future__ import annotations

import strawberry

from gateway.errors import Error


@strawberry.type(description="No such unit on the calendar — or none your agency serves.")
class ComplianceUnitNotFound(Error):
    field: str | None


@strawberry.type(description="No such permit — or none you may see.")
class PermitNotFound(Error):
    field: str | None


@strawberry.type(description="The permit number is already registered.")
class DuplicatePermit(Error):
    field: str | None


@strawberry.type(description="No such occurrence — or none you may see.")
class OccurrenceNotFound(Error):
    field: str | None


@strawberry.type(
    description="The occurrence is already done, waived or suspended, or closes by its "
    "engagement's own workflow step; `state` says which."
)
class OccurrenceClosed(Error):
    state: str


@strawberry.type(description="The agency rule cannot be scheduled.")
class InvalidRule(Error):
    field: str | None
