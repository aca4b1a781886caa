"""Queries of the compliance calendar. Each checks casbin first, then the service scopes
in SQL with the caller's `Scope`; a denied read is empty, never an error."""

from __future__ import annotations

from datetime import date

import strawberry
from strawberry import relay
from strawberry.types import Info

from contracts.compliance import rpc as compliance_rpc
from contracts.compliance.enums import OccurrenceKind, OccurrenceState, WorkKind
from contracts.core import ValidationFailed
from gateway.compliance.types import (
    Occurrence,
    OccurrenceConnection,
    OccurrenceEdge,
    Permit,
    WorkItem,
    WorkItemConnection,
    WorkItemEdge,
    decode_due_cursor,
    encode_due_cursor,
)
from gateway.context import Context, scope_of
from gateway.ids import decode_global_id
from gateway.pagination import DEFAULT_PAGE, MAX_PAGE, optional_id
from kit.auth import TenantKind

READ = ("compliance_calendar", "read")

# Which steps of my work a permission brings: the same (object, action) the step's own
# mutation checks, so the inbox shows what its reader can act on.
WORK_PERMISSIONS: dict[WorkKind, tuple[str, str]] = {
    WorkKind.OBLIGATION: READ,
    WorkKind.PLAN_DECISION: ("plan", "decide"),
    WorkKind.STAGE_REPORT_REVIEW: ("plan", "decide"),
    WorkKind.RECTIFICATION_VERIFICATION: ("activity", "record"),
    WorkKind.CUSTOMISED_ITEM_APPROVAL: ("change_request", "approve"),
    WorkKind.HANDOVER_ACKNOWLEDGEMENT: ("handover", "acknowledge"),
    WorkKind.SCORECARD: ("scorecard", "score"),
    WorkKind.PERMIT_IMPORT_REFUSED: ("unit", "create"),  # who imports units
    # A unit link request: whoever answers it (the unit's client admin, the agency's PM).
    WorkKind.UNIT_LINK_PROPOSAL: ("unit_link", "decide"),
    WorkKind.UNIT_LINK_INVITATION: ("unit_link", "decide"),
}


def _limit(first: int | None) -> int:
    if first is not None and not 0 < first <= MAX_PAGE:
        raise ValidationFailed(
            "first must be between 1 and {max}", field="first", params={"max": MAX_PAGE}
        )
    return first or DEFAULT_PAGE


def _empty(after: str | None) -> OccurrenceConnection:
    return OccurrenceConnection(
        edges=[],
        page_info=relay.PageInfo(
            has_next_page=False,
            has_previous_page=after is not None,
            start_cursor=None,
            end_cursor=None,
        ),
        total_count=0,
    )


def _connection(page: compliance_rpc.CalendarPage, after: str | None) -> OccurrenceConnection:
    edges = [
        OccurrenceEdge(cursor=encode_due_cursor(o.due_date, o.id), node=Occurrence.from_view(o))
        for o in page.items
    ]
    return OccurrenceConnection(
        edges=edges,
        page_info=relay.PageInfo(
            has_next_page=page.has_next,
            has_previous_page=after is not None,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        total_count=page.total,
    )


@strawberry.type
class ComplianceQueries:
    @strawberry.field(
        description="Obligations by due date: a unit's, an engagement's or your agency's "
        "(a regulator: its region's, read-only). Filter by dates, states and kinds."
    )
    async def compliance_calendar(
        self,
        info: Info[Context, None],
        unit_id: strawberry.ID | None = None,
        engagement_id: strawberry.ID | None = None,
        agency: bool = False,
        from_date: date | None = None,
        to_date: date | None = None,
        states: list[OccurrenceState] | None = None,
        kinds: list[OccurrenceKind] | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> OccurrenceConnection:
        ctx = info.context
        limit = _limit(first)
        after_due, after_id = decode_due_cursor(after)
        if not ctx.authorizer.can(*READ):
            return _empty(after)
        agency_id = None
        if agency:
            if ctx.principal.tenant_kind is not TenantKind.AGENCY:
                return _empty(after)
            agency_id = ctx.acting_agency()
        page = await ctx.clients.compliance.calendar(
            compliance_rpc.CalendarRequest(
                scope=scope_of(ctx.authorizer),
                unit_id=optional_id(unit_id, "Unit", "unitId"),
                engagement_id=optional_id(engagement_id, "Engagement", "engagementId"),
                agency_id=agency_id,
                from_date=from_date,
                to_date=to_date,
                states=states or [],
                kinds=kinds or [],
                after_due=after_due,
                after_id=after_id,
                limit=limit,
            )
        )
        return _connection(page, after)

    @strawberry.field(
        description="Regulators: overdue obligations of the units in your region (read-only)."
    )
    async def region_overdue_obligations(
        self,
        info: Info[Context, None],
        kinds: list[OccurrenceKind] | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> OccurrenceConnection:
        ctx = info.context
        limit = _limit(first)
        after_due, after_id = decode_due_cursor(after)
        if ctx.principal.tenant_kind is not TenantKind.REGION or not ctx.authorizer.can(*READ):
            return _empty(after)
        page = await ctx.clients.compliance.calendar(
            compliance_rpc.CalendarRequest(
                scope=scope_of(ctx.authorizer),
                states=[OccurrenceState.OVERDUE],
                kinds=kinds or [],
                after_due=after_due,
                after_id=after_id,
                limit=limit,
            )
        )
        return _connection(page, after)

    @strawberry.field(
        description="What waits for you across engagements: obligations due, plans for "
        "your decision, stage reports to review, rectifications to verify, handovers to "
        "acknowledge, scorecards to fill — the kinds your roles may act on."
    )
    async def my_work(
        self,
        info: Info[Context, None],
        kinds: list[WorkKind] | None = None,
        unit_id: strawberry.ID | None = None,
        engagement_id: strawberry.ID | None = None,
        states: list[OccurrenceState] | None = None,
        from_date: date | None = None,
        to_date: date | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> WorkItemConnection:
        ctx = info.context
        limit = _limit(first)
        after_due, after_id = decode_due_cursor(after)
        allowed = [
            kind
            for kind in (kinds or list(WorkKind))
            if ctx.authorizer.can(*WORK_PERMISSIONS[kind])
        ]
        if not allowed:
            return WorkItemConnection(
                edges=[],
                page_info=relay.PageInfo(
                    has_next_page=False,
                    has_previous_page=after is not None,
                    start_cursor=None,
                    end_cursor=None,
                ),
                total_count=0,
            )
        page = await ctx.clients.compliance.my_work(
            compliance_rpc.MyWorkRequest(
                scope=scope_of(ctx.authorizer),
                kinds=allowed,
                unit_id=optional_id(unit_id, "Unit", "unitId"),
                engagement_id=optional_id(engagement_id, "Engagement", "engagementId"),
                states=states or [],
                from_date=from_date,
                to_date=to_date,
                after_due=after_due,
                after_id=after_id,
                limit=limit,
            )
        )
        edges = [
            WorkItemEdge(cursor=encode_due_cursor(w.due_date, w.id), node=WorkItem.from_view(w))
            for w in page.items
        ]
        return WorkItemConnection(
            edges=edges,
            page_info=relay.PageInfo(
                has_next_page=page.has_next,
                has_previous_page=after is not None,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
            total_count=page.total,
        )

    @strawberry.field(description="A unit's permits with their execution-report schedules.")
    async def permits(self, info: Info[Context, None], unit_id: strawberry.ID) -> list[Permit]:
        ctx = info.context
        if not ctx.authorizer.can(*READ):
            return []
        try:
            unit = decode_global_id(unit_id, "Unit", field="unitId")
        except ValidationFailed:
            return []
        reply = await ctx.clients.compliance.permits(
            compliance_rpc.PermitsRequest(unit_id=unit, scope=scope_of(ctx.authorizer))
        )
        return [Permit.from_view(p) for p in reply.items]
