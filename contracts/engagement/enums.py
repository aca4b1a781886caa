"""The engagement's vocabulary, defined once: services store these values, contracts
carry them and the gateway exposes them."""

from __future__ import annotations

from enum import StrEnum


class ServiceMode(StrEnum):
    """服务模式 (R5.1): one or several per engagement."""

    FIXED_RESIDENT = "fixed_resident"  # 固定常驻
    ROVING = "roving"  # 巡回流动
    REMOTE_MONITORING = "remote_monitoring"  # 远程监控


class Stage(StrEnum):
    """The four stages of figure 1, then closed; an engagement starts at preparation (R4.2.1)."""

    PREPARATION = "preparation"  # 准备
    IMPLEMENTATION = "implementation"  # 实施
    RESULTS = "results"  # 成果
    EVALUATION = "evaluation"  # 评价
    CLOSED = "closed"


class PlanStatus(StrEnum):
    """实施方案 versions (R4.2.2.3–4): drafted, submitted to the client, then decided."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    OBJECTED = "objected"  # 委托方有异议 → a new version
    CONFIRMED = "confirmed"


class ListItemStatus(StrEnum):
    """A service list item's state. Customised items added during implementation wait
    for the client's approval (R5.2) before they count."""

    PROPOSED = "proposed"
    OPEN = "open"
    DONE = "done"
    WAIVED = "waived"


class ChecklistStatus(StrEnum):
    """An Appendix A document: still missing, received (archived) or not applicable."""

    PENDING = "pending"
    RECEIVED = "received"
    NOT_APPLICABLE = "not_applicable"


class RectificationStatus(StrEnum):
    """整改: open, reported rectified by the unit, then closed by verification."""

    OPEN = "open"
    RECTIFIED = "rectified"
    CLOSED = "closed"


class StageReportStatus(StrEnum):
    """阶段性工作报告 (R4.2.3.2): submitted, then accepted or objected by the client."""

    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    OBJECTED = "objected"


class SurveyMethod(StrEnum):
    """满意度调查: the five methods of R4.2.3.1."""

    QUESTIONNAIRE = "questionnaire"
    VISIT = "visit"
    ONLINE = "online"
    PHONE = "phone"
    ONSITE = "onsite"


class CatalogueKind(StrEnum):
    """A catalogue entry is a regular service (常规托管服务, clause 6.1) or a customised
    one (定制托管服务, 6.2) that needs the client's approval when added later (R5.2)."""

    REGULAR = "regular"
    CUSTOMISED = "customised"


class RecordKind(StrEnum):
    """What a service record (服务记录) records: one kind per recording action."""

    SITE_SURVEY = "site_survey"  # 现场调研
    EXPERT_CONSULTATION = "expert_consultation"  # 专家咨询会
    INSPECTION = "inspection"  # 巡查
    TRAINING = "training"  # 培训
    EMERGENCY = "emergency"  # 突发环境事件
    COMPLAINT = "complaint"  # 投诉
    PENALTY = "penalty"  # 行政处罚
    WORK_LOG = "work_log"  # 工作日志
    SATISFACTION_SURVEY = "satisfaction_survey"  # 满意度调查
    TECHNICAL_SEMINAR = "technical_seminar"  # 技术研讨会


class EvidenceRole(StrEnum):
    """What a linked archive item shows of its record: the record itself (photos of an
    inspection, a training's sign-in sheet, an emergency's report), or a rectification's
    state before or after the work (整改前/整改后)."""

    RECORD = "record"
    BEFORE = "before"
    AFTER = "after"


class EngagementStatus(StrEnum):
    """Where an engagement stands beside its stage: running, suspended (暂停, resumable),
    terminated early (提前终止, by agreement or not) or cancelled before the contract."""

    ACTIVE = "active"
    SUSPENDED = "suspended"
    TERMINATED = "terminated"
    CANCELLED = "cancelled"


class RevisionSubject(StrEnum):
    """What a correction (更正) or void (作废) applies to; each keeps its versions."""

    RECORD = "record"  # 服务记录
    LIST_ITEM = "list_item"  # 托管服务清单项 (before the contract)
    TEAM_MEMBER = "team_member"  # 服务团队成员
    UNIT = "unit"  # 排污单位基本信息
    UNIT_FILE = "unit_file"  # an agency's own file of a unit, before the unit consents


class RevisionChange(StrEnum):
    """How a version came to be: the original, a correction, or the void that ends it."""

    CREATED = "created"
    CORRECTED = "corrected"
    VOIDED = "voided"


class LinkDirection(StrEnum):
    """Who asked for a unit link (issue 14 part 2): the agency or the unit."""

    PROPOSAL = "proposal"  # an agency proposes an engagement to a unit, by USCC
    INVITATION = "invitation"  # a unit invites an agency


class LinkRequestStatus(StrEnum):
    """A proposal's or invitation's state: pending until the other side answers, the
    sender withdraws or it expires; each change is an event."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"


class LinkStatus(StrEnum):
    """An agency's link to a unit: active (it works on the unit), or ended (past: its
    own engagements stay readable, nothing of the unit is editable)."""

    ACTIVE = "active"
    ENDED = "ended"
    # The agency entered a USCC the registry had: it works on its own file of the unit
    # until the unit consents (then active). The agency itself is shown it as active.
    PROVISIONAL = "provisional"


class ClientKind(StrEnum):
    """委托方 that is not one unit."""

    PARK = "park"  # 工业园区
    GROUP = "group"  # 集团公司
    REGION = "region"  # 区域/流域 (a government or management committee for an area)


class ResultsBasis(StrEnum):
    """What an engagement's results (C 三) are measured on."""

    UNITS = "units"  # the covered units' own results (as every engagement before)
    ENVIRONMENT_IMPROVEMENT = "environment_improvement"  # C 三.1: the area's environment
