"""Rules of links and their requests: who may answer or withdraw, what each side sees,
when a request expires. No I/O."""

from __future__ import annotations

from datetime import datetime, timedelta

from contracts.core import Scope, ValidationFailed
from contracts.engagement.enums import ClientKind, LinkDirection, LinkRequestStatus, ResultsBasis
from contracts.engagement.errors import LinkRequestClosed
from services.engagement.models import UnitLinkRequest

# A proposal or invitation left unanswered this long expires (the periodic scan).
REQUEST_LIFETIME = timedelta(days=30)


def expires_at(now: datetime) -> datetime:
    return now + REQUEST_LIFETIME


def is_sender(request: UnitLinkRequest, scope: Scope) -> bool:
    if request.direction == LinkDirection.PROPOSAL:
        return scope.agency_id is not None and scope.agency_id == request.agency_id
    return scope.unit_id is not None and scope.unit_id == request.unit_id


def is_recipient(request: UnitLinkRequest, scope: Scope) -> bool:
    """A proposal's recipient is the unit with its USCC (none while no unit has it)."""
    if request.direction == LinkDirection.PROPOSAL:
        return scope.unit_id is not None and scope.unit_id == request.unit_id
    return scope.agency_id is not None and scope.agency_id == request.agency_id


def still_pending(request: UnitLinkRequest, now: datetime) -> None:
    """LinkRequestClosed unless the request can still be answered or withdrawn."""
    if request.status != LinkRequestStatus.PENDING or request.expires_at <= now:
        raise LinkRequestClosed(
            "this request is no longer pending ({status})",
            params={"status": request.status},
        )


def unit_shown(request: UnitLinkRequest, scope: Scope) -> bool:
    """Whether the caller may learn which unit a request concerns: always the unit
    itself; the agency of a proposal only once the unit accepted it."""
    if scope.unit_id is not None:
        return True
    return (
        request.direction == LinkDirection.INVITATION
        or request.status == LinkRequestStatus.ACCEPTED
    )


def check_basis(kind: ClientKind | None, basis: ResultsBasis) -> None:
    """Only a regional engagement is scored on the area's environment (C 三.1)."""
    if basis == ResultsBasis.ENVIRONMENT_IMPROVEMENT and kind != ClientKind.REGION:
        raise ValidationFailed(
            "only an engagement for a region (区域/流域) is scored on environment improvement",
            field="resultsBasis",
        )
