"""Reply shapes of permits, monitoring plans, stoppages and agency rules."""

from __future__ import annotations

from contracts.compliance import rpc as compliance_rpc
from contracts.compliance.enums import Frequency, ManagementCategory
from services.compliance.models import AgencyRule, MonitoringPlan, Permit, Stoppage


def permit_view(row: Permit) -> compliance_rpc.PermitView:
    return compliance_rpc.PermitView.from_row(
        row,
        category=ManagementCategory(row.category),
        outlets=list(row.outlets),
        report_schedule=[
            compliance_rpc.ReportScheduleEntry.model_validate(e) for e in row.report_schedule
        ],
    )


def plan_view(row: MonitoringPlan) -> compliance_rpc.MonitoringPlanView:
    return compliance_rpc.MonitoringPlanView.from_row(row, frequency=Frequency(row.frequency))


def stoppage_view(row: Stoppage) -> compliance_rpc.StoppageView:
    return compliance_rpc.StoppageView.from_row(row)


def agency_rule_view(row: AgencyRule) -> compliance_rpc.AgencyRuleView:
    return compliance_rpc.AgencyRuleView.from_row(
        row, rule=compliance_rpc.RuleDefinition.model_validate(row.definition)
    )
