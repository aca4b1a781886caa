"""`GET /calendar/<token>.ics`: a person's calendar feed over HTTP.

The token in the URL is the credential (calendar apps send no Authorization header);
only its hash is stored. The feed is read as the person it was issued to — their
tenant, roles and clearance then — through the same casbin check and object scope as
`complianceCalendar`, so it holds only what that person may see. Revoked or unknown
tokens answer 404, without saying which."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, HTTPException, Response

from contracts.compliance import rpc as compliance_rpc
from contracts.compliance.enums import OccurrenceState
from contracts.core import DomainError
from gateway.authz.authorizer import Authorizer, Decider
from gateway.compliance.ical import feed_document
from gateway.context import scope_of
from kit.auth import Principal
from kit.ids import new_id
from kit.rpc import CallContext, RpcClient

OPEN = [OccurrenceState.OVERDUE, OccurrenceState.DUE_SOON, OccurrenceState.UPCOMING]
MAX_EVENTS = 2000
"""Open occurrences in one feed at most (a calendar app reloads it every few hours)."""
PAGE = 500


def feed_router(services: Callable[[], tuple[RpcClient | None, Decider | None]]) -> APIRouter:
    router = APIRouter()

    @router.get("/calendar/{token}.ics", include_in_schema=False)
    async def calendar_feed(token: str) -> Response:
        rpc, enforcer = services()
        if rpc is None or enforcer is None:
            raise HTTPException(status_code=503, detail="calendar feeds are not available yet")
        anonymous = CallContext(actor="calendar-feed", tenant="", correlation_id=str(new_id()))
        try:
            owner = await rpc.call(
                compliance_rpc.FEED_OWNER, compliance_rpc.FeedOwnerRequest(token=token), anonymous
            )
        except (DomainError, ValueError):
            raise HTTPException(status_code=404) from None
        if not owner.found:
            raise HTTPException(status_code=404)
        principal = Principal(
            user_id=owner.person,
            tenant=owner.tenant,
            roles=tuple(owner.roles),
            clearance=owner.clearance,
        )
        authorizer = Authorizer(enforcer, principal)
        caller = CallContext(
            actor=owner.person, tenant=owner.tenant, correlation_id=anonymous.correlation_id
        )
        items: list[compliance_rpc.OccurrenceView] = []
        if authorizer.can("compliance_calendar", "read"):
            items = await _open_occurrences(rpc, caller, authorizer)
        body = feed_document(items, name="环保合规日历 ecohost")
        return Response(
            content=body,
            media_type="text/calendar; charset=utf-8",
            headers={"Cache-Control": "private, max-age=300", "X-Content-Type-Options": "nosniff"},
        )

    return router


async def _open_occurrences(
    rpc: RpcClient, caller: CallContext, authorizer: Authorizer
) -> list[compliance_rpc.OccurrenceView]:
    items: list[compliance_rpc.OccurrenceView] = []
    after_due, after_id = None, None
    while len(items) < MAX_EVENTS:
        page = await rpc.call(
            compliance_rpc.CALENDAR,
            compliance_rpc.CalendarRequest(
                scope=scope_of(authorizer),
                states=OPEN,
                after_due=after_due,
                after_id=after_id,
                limit=PAGE,
            ),
            caller,
        )
        items += page.items
        if not page.has_next or not page.items:
            break
        after_due, after_id = page.items[-1].due_date, page.items[-1].id
    return items[:MAX_EVENTS]
