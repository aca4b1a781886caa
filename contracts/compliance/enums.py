"""Vocabulary of the compliance calendar, defined once."""

from __future__ import annotations

from enum import StrEnum


class ManagementCategory(StrEnum):
    """排污许可分类管理: the permit's category decides its default execution reports."""

    KEY = "key"  # 重点管理
    SIMPLIFIED = "simplified"  # 简化管理
    REGISTRATION = "registration"  # 登记管理 (a registration receipt, no execution report)


class Frequency(StrEnum):
    """How often a recurring obligation falls due; `automatic` is online monitoring
    (自动监测), which the calendar shows on the plan but schedules no sampling for."""

    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    SEMIANNUAL = "semiannual"
    ANNUAL = "annual"
    TRIENNIAL = "triennial"
    ONCE = "once"  # once per permit validity (renewal) or per event (ad-hoc disclosure)
    AUTOMATIC = "automatic"


class OccurrenceKind(StrEnum):
    """What an occurrence is an instance of: the rule's category, or an engagement item."""

    EXECUTION_REPORT = "execution_report"  # 执行报告 (6.1.2)
    PERMIT_RENEWAL = "permit_renewal"  # 延续申请 (6.1.2)
    MONITORING = "monitoring"  # 自行监测 (6.1.5)
    DISCLOSURE = "disclosure"  # 环境信息依法披露
    EMERGENCY_PLAN = "emergency_plan"  # 应急预案修订 (6.1.4)
    DRILL = "drill"  # 应急演练 (6.1.4)
    HAZARDOUS_WASTE_PLAN = "hazardous_waste_plan"  # 危险废物管理计划
    MAINTENANCE = "maintenance"  # 设施运维 (6.1.6)
    TRAINING = "training"  # 培训计划
    AGENCY_RULE = "agency_rule"  # a rule the agency defined
    LIST_ITEM = "list_item"  # an engagement's list item with a time node (R4.2.2.1)
    RECTIFICATION = "rectification"  # an engagement's rectification with its due date


class OccurrenceState(StrEnum):
    """Open occurrences are upcoming, due soon or overdue by today's date in
    Asia/Shanghai; closed ones are done, waived, or suspended by a stoppage."""

    UPCOMING = "upcoming"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    DONE = "done"
    WAIVED = "waived"
    SUSPENDED = "suspended"  # 停产: monitoring of a stopped unit does not apply


class WorkKind(StrEnum):
    """What waits for a person in `myWork`."""

    OBLIGATION = "obligation"
    PLAN_DECISION = "plan_decision"  # 方案 waiting for the client's confirmation
    STAGE_REPORT_REVIEW = "stage_report_review"
    RECTIFICATION_VERIFICATION = "rectification_verification"
    CUSTOMISED_ITEM_APPROVAL = "customised_item_approval"
    HANDOVER_ACKNOWLEDGEMENT = "handover_acknowledgement"
    SCORECARD = "scorecard"
    PERMIT_IMPORT_REFUSED = "permit_import_refused"  # an imported permit not registered
    # A unit link request waiting for its recipient (issue 14): an agency's proposal for
    # the unit's client admin, a unit's invitation for the agency.
    UNIT_LINK_PROPOSAL = "unit_link_proposal"
    UNIT_LINK_INVITATION = "unit_link_invitation"


class WebhookFormat(StrEnum):
    """What an agency's webhook receives (kit.notify's formats): ecohost's HMAC-signed
    JSON, or a 钉钉 (DingTalk) / 企业微信 (WeCom) group robot's own text message."""

    ECOHOST = "ecohost"
    DINGTALK = "dingtalk"
    WECOM = "wecom"


class ReminderChannel(StrEnum):
    """Where a reminder goes (kit.notify's channels): the in-app inbox, email, or a
    webhook (a 钉钉/企业微信 bot, another system)."""

    IN_APP = "in_app"
    EMAIL = "email"
    WEBHOOK = "webhook"
