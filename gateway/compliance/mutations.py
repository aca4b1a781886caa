"""Mutations of the compliance calendar: one input each, `Success | typed errors`.

Each checks casbin before anything is sent; the service then checks the unit, permit
or occurrence is in the caller's scope (else not found: no existence leak)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

import strawberry
from strawberry.types import Info

from contracts.compliance import rpc as compliance_rpc
from contracts.compliance.enums import Frequency, ManagementCategory, OccurrenceKind
from gateway.compliance.errors import (
    ComplianceUnitNotFound,
    DuplicatePermit,
    InvalidRule,
    OccurrenceClosed,
    OccurrenceNotFound,
    PermitNotFound,
)
from gateway.compliance.types import AgencyRule, MonitoringPlan, Occurrence, Permit, Stoppage
from gateway.context import Context, scope_of
from gateway.errors import CommonErrors
from gateway.ids import decode_global_id
from gateway.mutation import ResultUnion, run_mutation

MANAGE = ("permit", "manage")  # project managers (and agency admins)
CLOSE = ("occurrence", "close")  # engineers and those above them
DEFINE_RULE = ("compliance_rule", "define")
FEED = ("compliance_calendar", "read")


@strawberry.type
class PermitSuccess:
    permit: Permit


@strawberry.type
class MonitoringPlanSuccess:
    plan: MonitoringPlan


@strawberry.type
class StoppageSuccess:
    stoppage: Stoppage


@strawberry.type
class AgencyRuleSuccess:
    rule: AgencyRule


@strawberry.type
class OccurrenceSuccess:
    occurrence: Occurrence


@strawberry.type(description="Your secret calendar URL: shown once, only its hash is kept.")
class IssueCalendarFeedSuccess:
    id: strawberry.ID
    token: str
    path: str = strawberry.field(description="`/calendar/<token>.ics` on the gateway.")


@strawberry.type
class RevokeCalendarFeedsSuccess:
    revoked: int


RegisterPermitResult = Annotated[
    PermitSuccess | ComplianceUnitNotFound | DuplicatePermit | CommonErrors,
    strawberry.union("RegisterPermitResult"),
]
REGISTER_PERMIT: ResultUnion[RegisterPermitResult] = ResultUnion(RegisterPermitResult)
UpdateReportScheduleResult = Annotated[
    PermitSuccess | PermitNotFound | CommonErrors, strawberry.union("UpdateReportScheduleResult")
]
UPDATE_REPORT_SCHEDULE: ResultUnion[UpdateReportScheduleResult] = ResultUnion(
    UpdateReportScheduleResult
)
AddMonitoringPlanResult = Annotated[
    MonitoringPlanSuccess | PermitNotFound | CommonErrors,
    strawberry.union("AddMonitoringPlanResult"),
]
ADD_MONITORING_PLAN: ResultUnion[AddMonitoringPlanResult] = ResultUnion(AddMonitoringPlanResult)
RecordStoppageResult = Annotated[
    StoppageSuccess | ComplianceUnitNotFound | CommonErrors,
    strawberry.union("RecordStoppageResult"),
]
RECORD_STOPPAGE: ResultUnion[RecordStoppageResult] = ResultUnion(RecordStoppageResult)
DefineComplianceRuleResult = Annotated[
    AgencyRuleSuccess | InvalidRule | CommonErrors, strawberry.union("DefineComplianceRuleResult")
]
DEFINE_COMPLIANCE_RULE: ResultUnion[DefineComplianceRuleResult] = ResultUnion(
    DefineComplianceRuleResult
)
CloseOccurrenceResult = Annotated[
    OccurrenceSuccess | OccurrenceNotFound | OccurrenceClosed | CommonErrors,
    strawberry.union("CloseOccurrenceResult"),
]
CLOSE_OCCURRENCE: ResultUnion[CloseOccurrenceResult] = ResultUnion(CloseOccurrenceResult)
IssueCalendarFeedResult = Annotated[
    IssueCalendarFeedSuccess | CommonErrors, strawberry.union("IssueCalendarFeedResult")
]
ISSUE_CALENDAR_FEED: ResultUnion[IssueCalendarFeedResult] = ResultUnion(IssueCalendarFeedResult)
RevokeCalendarFeedsResult = Annotated[
    RevokeCalendarFeedsSuccess | CommonErrors, strawberry.union("RevokeCalendarFeedsResult")
]
REVOKE_CALENDAR_FEEDS: ResultUnion[RevokeCalendarFeedsResult] = ResultUnion(
    RevokeCalendarFeedsResult
)


@strawberry.input(
    description="A permit's own deadline for one execution report; unset parts follow the "
    "rule set (e.g. quarterly: 15 days after the quarter)."
)
class ReportScheduleInput:
    frequency: Frequency
    deadline_months: int | None = None
    deadline_day: int | None = None
    deadline_days: int | None = None


@strawberry.input(description="Register a unit's permit (排污许可证) on the calendar.")
class RegisterPermitInput:
    unit_id: strawberry.ID
    number: str
    authority: str
    category: ManagementCategory
    valid_from: date
    valid_to: date
    outlets: list[str] = strawberry.field(
        default_factory=list, description="HJ 608 codes: DA001 (air), DW001 (water)."
    )
    report_schedule: list[ReportScheduleInput] | None = strawberry.field(
        default=None, description="Default: the rule set's schedule for the category."
    )


@strawberry.input(description="A permit's execution-report schedule, as the permit sets it.")
class UpdateReportScheduleInput:
    permit_id: strawberry.ID
    report_schedule: list[ReportScheduleInput]


@strawberry.input(description="自行监测: an outlet's pollutant, how often, how, by whom.")
class AddMonitoringPlanInput:
    permit_id: strawberry.ID
    outlet: str
    pollutant: str
    frequency: Frequency
    method: str = ""
    sampler: str = ""
    limit_value: Decimal | None = None
    limit_unit: str = ""


@strawberry.input(description="The result of a monitoring occurrence; records it done.")
class RecordMonitoringResultInput:
    occurrence_id: strawberry.ID
    value: Decimal
    limit_value: Decimal | None = None
    unit: str | None = None
    report_item_id: strawberry.ID | None = strawberry.field(
        default=None, description="The monitoring report's archive item."
    )


@strawberry.input(description="停产: production stopped from startsOn to endsOn (inclusive).")
class RecordStoppageInput:
    unit_id: strawberry.ID
    starts_on: date
    ends_on: date | None = None
    reason: str = ""


@strawberry.input(description="A recurring obligation of your agency (docs/calendar.md).")
class DefineComplianceRuleInput:
    code: str
    kind: OccurrenceKind
    title_zh: str
    title_en: str
    frequency: Frequency
    deadline_months: int = 0
    deadline_day: int | None = None
    deadline_days: int = 0
    working_days: bool = False
    roll_to_working_day: bool = False
    categories: list[ManagementCategory] = strawberry.field(default_factory=list)
    lead_days: list[int] = strawberry.field(default_factory=lambda: [30, 7, 1])
    during_stoppage: str = strawberry.field(
        default="applies", description="applies, suspended or statement_only."
    )
    clause: str = ""


@strawberry.input(description="Done, with its evidence (an archive item) and a note.")
class CompleteOccurrenceInput:
    occurrence_id: strawberry.ID
    evidence_item_id: strawberry.ID | None = None
    note: str | None = None


@strawberry.input(description="Not applicable this time, with the reason.")
class WaiveOccurrenceInput:
    occurrence_id: strawberry.ID
    reason: str


@strawberry.input
class RevokeCalendarFeedsInput:
    feed_id: strawberry.ID | None = strawberry.field(
        default=None, description="Default: every feed of yours."
    )


def _schedule(entries: list[ReportScheduleInput]) -> list[dict[str, Any]]:
    """Plain fields, so a wrong entry is reported as `reportSchedule.<n>.<field>`."""
    out: list[dict[str, Any]] = []
    for e in entries:
        given = e.deadline_months is not None or e.deadline_day is not None or e.deadline_days
        deadline = (
            {
                "months": e.deadline_months or 0,
                "day": e.deadline_day,
                "days": e.deadline_days or 0,
            }
            if given
            else None
        )
        out.append({"frequency": e.frequency, "deadline": deadline})
    return out


def _occurrence(value: strawberry.ID) -> UUID:
    return decode_global_id(value, "Occurrence", field="occurrenceId")


def _item(value: strawberry.ID | None, field: str) -> UUID | None:
    return None if value is None else decode_global_id(value, "ArchiveItem", field=field)


@strawberry.type
class ComplianceMutations:
    @strawberry.mutation(description="Register a unit's permit; its obligations are scheduled.")
    async def register_permit(
        self, info: Info[Context, None], input: RegisterPermitInput
    ) -> RegisterPermitResult:
        ctx = info.context

        def request() -> compliance_rpc.RegisterPermitRequest:
            schedule = input.report_schedule
            return compliance_rpc.RegisterPermitRequest.model_validate(
                {
                    "unit_id": decode_global_id(input.unit_id, "Unit", field="unitId"),
                    "agency_id": ctx.acting_agency(),
                    "number": input.number,
                    "authority": input.authority,
                    "category": input.category,
                    "valid_from": input.valid_from,
                    "valid_to": input.valid_to,
                    "outlets": list(input.outlets),
                    "report_schedule": _schedule(schedule) if schedule is not None else None,
                    "scope": scope_of(ctx.authorizer),
                }
            )

        return await run_mutation(
            info,
            REGISTER_PERMIT,
            MANAGE,
            request=request,
            send=ctx.clients.compliance.register_permit,
            success=lambda v: PermitSuccess(permit=Permit.from_view(v)),
        )

    @strawberry.mutation(description="Set a permit's execution reports and their deadlines.")
    async def update_report_schedule(
        self, info: Info[Context, None], input: UpdateReportScheduleInput
    ) -> UpdateReportScheduleResult:
        ctx = info.context
        return await run_mutation(
            info,
            UPDATE_REPORT_SCHEDULE,
            MANAGE,
            request=lambda: compliance_rpc.UpdateReportScheduleRequest.model_validate(
                {
                    "permit_id": decode_global_id(input.permit_id, "Permit", field="permitId"),
                    "report_schedule": _schedule(input.report_schedule),
                    "scope": scope_of(ctx.authorizer),
                }
            ),
            send=ctx.clients.compliance.update_report_schedule,
            success=lambda v: PermitSuccess(permit=Permit.from_view(v)),
        )

    @strawberry.mutation(description="Add a self-monitoring plan (自行监测) to a permit's outlet.")
    async def add_monitoring_plan(
        self, info: Info[Context, None], input: AddMonitoringPlanInput
    ) -> AddMonitoringPlanResult:
        ctx = info.context
        return await run_mutation(
            info,
            ADD_MONITORING_PLAN,
            MANAGE,
            request=lambda: compliance_rpc.AddMonitoringPlanRequest(
                permit_id=decode_global_id(input.permit_id, "Permit", field="permitId"),
                outlet=input.outlet,
                pollutant=input.pollutant,
                frequency=input.frequency,
                method=input.method,
                sampler=input.sampler,
                limit_value=input.limit_value,
                limit_unit=input.limit_unit,
                scope=scope_of(ctx.authorizer),
            ),
            send=ctx.clients.compliance.add_monitoring_plan,
            success=lambda v: MonitoringPlanSuccess(plan=MonitoringPlan.from_view(v)),
        )

    @strawberry.mutation(description="Record a production stoppage (停产) of a unit.")
    async def record_stoppage(
        self, info: Info[Context, None], input: RecordStoppageInput
    ) -> RecordStoppageResult:
        ctx = info.context
        return await run_mutation(
            info,
            RECORD_STOPPAGE,
            MANAGE,
            request=lambda: compliance_rpc.RecordStoppageRequest(
                unit_id=decode_global_id(input.unit_id, "Unit", field="unitId"),
                starts_on=input.starts_on,
                ends_on=input.ends_on,
                reason=input.reason,
                scope=scope_of(ctx.authorizer),
            ),
            send=ctx.clients.compliance.record_stoppage,
            success=lambda v: StoppageSuccess(stoppage=Stoppage.from_view(v)),
        )

    @strawberry.mutation(
        description="Define (or version) a recurring obligation for your agency's units."
    )
    async def define_compliance_rule(
        self, info: Info[Context, None], input: DefineComplianceRuleInput
    ) -> DefineComplianceRuleResult:
        ctx = info.context

        def request() -> compliance_rpc.DefineAgencyRuleRequest:
            rule = compliance_rpc.RuleDefinition.model_validate(
                {
                    "code": input.code,
                    "kind": input.kind,
                    "title_zh": input.title_zh,
                    "title_en": input.title_en,
                    "clause": input.clause,
                    "frequency": input.frequency,
                    "deadline": {
                        "months": input.deadline_months,
                        "day": input.deadline_day,
                        "days": input.deadline_days,
                        "working_days": input.working_days,
                        "roll_to_working_day": input.roll_to_working_day,
                    },
                    "categories": list(input.categories),
                    "lead_days": list(input.lead_days),
                    "during_stoppage": input.during_stoppage,
                }
            )
            return compliance_rpc.DefineAgencyRuleRequest(agency_id=ctx.acting_agency(), rule=rule)

        return await run_mutation(
            info,
            DEFINE_COMPLIANCE_RULE,
            DEFINE_RULE,
            request=request,
            send=ctx.clients.compliance.define_agency_rule,
            success=lambda v: AgencyRuleSuccess(rule=AgencyRule.from_view(v)),
        )

    @strawberry.mutation(description="Mark an occurrence done, with its evidence (traced).")
    async def complete_occurrence(
        self, info: Info[Context, None], input: CompleteOccurrenceInput
    ) -> CloseOccurrenceResult:
        ctx = info.context
        return await run_mutation(
            info,
            CLOSE_OCCURRENCE,
            CLOSE,
            request=lambda: compliance_rpc.CompleteOccurrenceRequest(
                occurrence_id=_occurrence(input.occurrence_id),
                evidence_item_id=_item(input.evidence_item_id, "evidenceItemId"),
                note=input.note,
                scope=scope_of(ctx.authorizer),
            ),
            send=ctx.clients.compliance.complete_occurrence,
            success=lambda v: OccurrenceSuccess(occurrence=Occurrence.from_view(v)),
        )

    @strawberry.mutation(description="Waive an occurrence with the reason (traced).")
    async def waive_occurrence(
        self, info: Info[Context, None], input: WaiveOccurrenceInput
    ) -> CloseOccurrenceResult:
        ctx = info.context
        return await run_mutation(
            info,
            CLOSE_OCCURRENCE,
            CLOSE,
            request=lambda: compliance_rpc.WaiveOccurrenceRequest(
                occurrence_id=_occurrence(input.occurrence_id),
                reason=input.reason,
                scope=scope_of(ctx.authorizer),
            ),
            send=ctx.clients.compliance.waive_occurrence,
            success=lambda v: OccurrenceSuccess(occurrence=Occurrence.from_view(v)),
        )

    @strawberry.mutation(description="Record a monitoring result: value, limit, exceedance.")
    async def record_monitoring_result(
        self, info: Info[Context, None], input: RecordMonitoringResultInput
    ) -> CloseOccurrenceResult:
        ctx = info.context
        return await run_mutation(
            info,
            CLOSE_OCCURRENCE,
            CLOSE,
            request=lambda: compliance_rpc.RecordMonitoringResultRequest(
                occurrence_id=_occurrence(input.occurrence_id),
                value=input.value,
                limit_value=input.limit_value,
                unit=input.unit,
                report_item_id=_item(input.report_item_id, "reportItemId"),
                scope=scope_of(ctx.authorizer),
            ),
            send=ctx.clients.compliance.record_monitoring_result,
            success=lambda v: OccurrenceSuccess(occurrence=Occurrence.from_view(v)),
        )

    @strawberry.mutation(
        description="A secret iCalendar URL of what you may see, for calendar apps; "
        "revocable. The token is shown once."
    )
    async def issue_calendar_feed(self, info: Info[Context, None]) -> IssueCalendarFeedResult:
        ctx = info.context
        p = ctx.principal
        return await run_mutation(
            info,
            ISSUE_CALENDAR_FEED,
            FEED,
            request=lambda: compliance_rpc.IssueFeedRequest(
                person=p.user_id,
                tenant=p.tenant,
                roles=list(p.roles),
                clearance=p.clearance,
                scope=scope_of(ctx.authorizer),
            ),
            send=ctx.clients.compliance.issue_feed,
            success=lambda v: IssueCalendarFeedSuccess(
                id=strawberry.ID(str(v.id)), token=v.token, path=f"/calendar/{v.token}.ics"
            ),
        )

    @strawberry.mutation(description="Revoke one of your calendar URLs, or all of them.")
    async def revoke_calendar_feeds(
        self, info: Info[Context, None], input: RevokeCalendarFeedsInput
    ) -> RevokeCalendarFeedsResult:
        ctx = info.context
        p = ctx.principal

        def request() -> compliance_rpc.RevokeFeedRequest:
            feed = UUID(str(input.feed_id)) if input.feed_id is not None else None
            return compliance_rpc.RevokeFeedRequest(feed_id=feed, person=p.user_id, tenant=p.tenant)

        return await run_mutation(
            info,
            REVOKE_CALENDAR_FEEDS,
            FEED,
            request=request,
            send=ctx.clients.compliance.revoke_feed,
            success=lambda v: RevokeCalendarFeedsSuccess(revoked=v.revoked),
        )
