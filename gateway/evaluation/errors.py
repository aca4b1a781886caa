"""Typed errors of performance evaluation (绩效评价)."""

from __future__ import annotations

from decimal import Decimal

import strawberry

from gateway.errors import Error


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


@strawberry.type(
    description="The contract requires the agency's self-assessment to be finalised first."
)
class SelfAssessmentPending(Error):
    field: str | None


@strawberry.type(
    description="Not appealable: only a finalised binding scorecard, within the contract's "
    "appeal period, with no open appeal; only an open appeal is answered."
)
class AppealNotAllowed(Error):
    field: str | None


@strawberry.type(description="No such appeal — or none you may see.")
class AppealNotFound(Error):
    field: str | None
