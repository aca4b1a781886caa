"""Request/reply endpoints of the compliance calendar service: thin, one line per contract."""

from __future__ import annotations

from functools import partial

from contracts.compliance import rpc as compliance_rpc
from contracts.compliance import rpc_reminders as reminder_rpc
from contracts.compliance import rpc_statistics as statistics_rpc
from kit.endpoints import command, query
from kit.rpc import RpcServer
from kit.runtime import ServiceRuntime
from services.compliance.calendar import commands as calendar_commands
from services.compliance.calendar import queries as calendar_queries
from services.compliance.contacts import commands as contact_commands
from services.compliance.contacts import queries as contact_queries
from services.compliance.feeds import commands as feed_commands
from services.compliance.feeds import queries as feed_queries
from services.compliance.obligations import commands as obligation_commands
from services.compliance.obligations import queries as obligation_queries
from services.compliance.settings import ComplianceSettings
from services.compliance.statistics import queries as statistics_queries


def register(server: RpcServer, runtime: ServiceRuntime) -> None:
    add = server.add
    add(compliance_rpc.REGISTER_PERMIT, command(runtime, obligation_commands.register_permit))
    add(
        compliance_rpc.UPDATE_REPORT_SCHEDULE,
        command(runtime, obligation_commands.update_report_schedule),
    )
    add(compliance_rpc.PERMITS, query(runtime, obligation_queries.permits))
    add(
        compliance_rpc.ADD_MONITORING_PLAN,
        command(runtime, obligation_commands.add_monitoring_plan),
    )
    add(compliance_rpc.RECORD_STOPPAGE, command(runtime, obligation_commands.record_stoppage))
    add(
        compliance_rpc.DEFINE_AGENCY_RULE,
        command(runtime, obligation_commands.define_agency_rule),
    )
    add(compliance_rpc.COMPLETE_OCCURRENCE, command(runtime, calendar_commands.complete))
    add(compliance_rpc.WAIVE_OCCURRENCE, command(runtime, calendar_commands.waive))
    add(
        compliance_rpc.RECORD_MONITORING_RESULT,
        command(runtime, calendar_commands.record_result),
    )
    add(compliance_rpc.CALENDAR, query(runtime, calendar_queries.calendar))
    add(compliance_rpc.MY_WORK, query(runtime, calendar_queries.my_work))
    add(compliance_rpc.ISSUE_FEED, command(runtime, feed_commands.issue))
    add(compliance_rpc.REVOKE_FEED, command(runtime, feed_commands.revoke))
    add(compliance_rpc.FEED_OWNER, query(runtime, feed_queries.owner))
    add(
        statistics_rpc.OBLIGATION_STATISTICS,
        query(runtime, statistics_queries.obligation_statistics),
    )
    register_reminder_settings(server, runtime)


def register_reminder_settings(server: RpcServer, runtime: ServiceRuntime) -> None:
    settings = runtime.settings
    assert isinstance(settings, ComplianceSettings)
    # Where webhooks may point: see ComplianceSettings and kit/notify/addresses.py.
    http, private = settings.webhook_allow_http, settings.notify.webhook_allow_private
    add = server.add
    add(
        reminder_rpc.UPDATE_MY_SETTINGS,
        command(
            runtime,
            partial(contact_commands.update_my_settings, allow_http=http, allow_private=private),
        ),
    )
    add(reminder_rpc.MY_SETTINGS, query(runtime, contact_queries.my_settings))
    add(reminder_rpc.SET_AGENCY_DEFAULTS, command(runtime, contact_commands.set_agency_defaults))
    add(reminder_rpc.AGENCY_DEFAULTS, query(runtime, contact_queries.agency_defaults))
    add(
        reminder_rpc.REGISTER_AGENCY_WEBHOOK,
        command(
            runtime,
            partial(
                contact_commands.register_agency_webhook, allow_http=http, allow_private=private
            ),
        ),
    )
    add(
        reminder_rpc.SET_AGENCY_WEBHOOK_ENABLED,
        command(runtime, contact_commands.set_agency_webhook_enabled),
    )
    add(reminder_rpc.AGENCY_WEBHOOKS, query(runtime, contact_queries.agency_webhooks))
    add(reminder_rpc.DELIVERY_LOG, query(runtime, contact_queries.delivery_log))
