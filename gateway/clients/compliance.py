"""Client of the compliance calendar service (合规日历): permits, monitoring, occurrences,
the calendar, my work and calendar feeds."""

from __future__ import annotations

from contracts.compliance import rpc as compliance_rpc
from contracts.compliance import rpc_statistics as compliance_rpc_statistics
from contracts.statistics import RegionStatisticsRequest
from gateway.clients.base import ServiceClient


class ComplianceClient(ServiceClient):
    async def register_permit(
        self, req: compliance_rpc.RegisterPermitRequest
    ) -> compliance_rpc.PermitView:
        return await self._call(compliance_rpc.REGISTER_PERMIT, req)

    async def update_report_schedule(
        self, req: compliance_rpc.UpdateReportScheduleRequest
    ) -> compliance_rpc.PermitView:
        return await self._call(compliance_rpc.UPDATE_REPORT_SCHEDULE, req)

    async def permits(self, req: compliance_rpc.PermitsRequest) -> compliance_rpc.PermitsReply:
        return await self._call(compliance_rpc.PERMITS, req)

    async def add_monitoring_plan(
        self, req: compliance_rpc.AddMonitoringPlanRequest
    ) -> compliance_rpc.MonitoringPlanView:
        return await self._call(compliance_rpc.ADD_MONITORING_PLAN, req)

    async def record_monitoring_result(
        self, req: compliance_rpc.RecordMonitoringResultRequest
    ) -> compliance_rpc.OccurrenceView:
        return await self._call(compliance_rpc.RECORD_MONITORING_RESULT, req)

    async def record_stoppage(
        self, req: compliance_rpc.RecordStoppageRequest
    ) -> compliance_rpc.StoppageView:
        return await self._call(compliance_rpc.RECORD_STOPPAGE, req)

    async def define_agency_rule(
        self, req: compliance_rpc.DefineAgencyRuleRequest
    ) -> compliance_rpc.AgencyRuleView:
        return await self._call(compliance_rpc.DEFINE_AGENCY_RULE, req)

    async def complete_occurrence(
        self, req: compliance_rpc.CompleteOccurrenceRequest
    ) -> compliance_rpc.OccurrenceView:
        return await self._call(compliance_rpc.COMPLETE_OCCURRENCE, req)

    async def waive_occurrence(
        self, req: compliance_rpc.WaiveOccurrenceRequest
    ) -> compliance_rpc.OccurrenceView:
        return await self._call(compliance_rpc.WAIVE_OCCURRENCE, req)

    async def calendar(self, req: compliance_rpc.CalendarRequest) -> compliance_rpc.CalendarPage:
        return await self._call(compliance_rpc.CALENDAR, req)

    async def my_work(self, req: compliance_rpc.MyWorkRequest) -> compliance_rpc.WorkPage:
        return await self._call(compliance_rpc.MY_WORK, req)

    async def issue_feed(self, req: compliance_rpc.IssueFeedRequest) -> compliance_rpc.FeedIssued:
        return await self._call(compliance_rpc.ISSUE_FEED, req)

    async def revoke_feed(
        self, req: compliance_rpc.RevokeFeedRequest
    ) -> compliance_rpc.FeedsRevoked:
        return await self._call(compliance_rpc.REVOKE_FEED, req)

    async def feed_owner(self, req: compliance_rpc.FeedOwnerRequest) -> compliance_rpc.FeedOwner:
        return await self._call(compliance_rpc.FEED_OWNER, req)

    async def obligation_statistics(
        self, req: RegionStatisticsRequest
    ) -> compliance_rpc_statistics.ObligationStatisticsReply:
        return await self._call(compliance_rpc_statistics.OBLIGATION_STATISTICS, req)
