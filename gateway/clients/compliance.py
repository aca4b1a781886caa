"""Client of the compliance calendar service (合规日历): permits, monitoring, occurrences,
the calendar, my work and calendar feeds."""

from __future__ import annotations

from contracts.compliance import rpc as compliance_rpc
from contracts.compliance import rpc_reminders as reminder_rpc
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

    # --- reminder settings (contracts/compliance/rpc_reminders.py) ---

    async def update_my_notification_settings(
        self, req: reminder_rpc.UpdateMySettingsRequest
    ) -> reminder_rpc.MySettingsView:
        return await self._call(reminder_rpc.UPDATE_MY_SETTINGS, req)

    async def my_notification_settings(
        self, req: reminder_rpc.MySettingsRequest
    ) -> reminder_rpc.MySettingsView:
        return await self._call(reminder_rpc.MY_SETTINGS, req)

    async def set_agency_notification_defaults(
        self, req: reminder_rpc.SetAgencyDefaultsRequest
    ) -> reminder_rpc.AgencyDefaultsView:
        return await self._call(reminder_rpc.SET_AGENCY_DEFAULTS, req)

    async def agency_notification_defaults(
        self, req: reminder_rpc.AgencyDefaultsRequest
    ) -> reminder_rpc.AgencyDefaultsView:
        return await self._call(reminder_rpc.AGENCY_DEFAULTS, req)

    async def register_agency_webhook(
        self, req: reminder_rpc.RegisterAgencyWebhookRequest
    ) -> reminder_rpc.WebhookRegistered:
        return await self._call(reminder_rpc.REGISTER_AGENCY_WEBHOOK, req)

    async def set_agency_webhook_enabled(
        self, req: reminder_rpc.SetAgencyWebhookEnabledRequest
    ) -> reminder_rpc.WebhookView:
        return await self._call(reminder_rpc.SET_AGENCY_WEBHOOK_ENABLED, req)

    async def agency_webhooks(
        self, req: reminder_rpc.AgencyWebhooksRequest
    ) -> reminder_rpc.AgencyWebhooksReply:
        return await self._call(reminder_rpc.AGENCY_WEBHOOKS, req)

    async def notification_delivery_log(
        self, req: reminder_rpc.DeliveryLogRequest
    ) -> reminder_rpc.DeliveryLogPage:
        return await self._call(reminder_rpc.DELIVERY_LOG, req)
