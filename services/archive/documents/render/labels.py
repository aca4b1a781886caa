"""Chinese labels of the enums and values as the documents print them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from contracts.archive.documents import DocumentPeriod
from contracts.engagement.enums import (
    ChecklistStatus,
    ListItemStatus,
    PlanStatus,
    RectificationStatus,
    ServiceMode,
    StageReportStatus,
    SurveyMethod,
)

CHINA = ZoneInfo("Asia/Shanghai")

LIST_ITEM_STATUS = {
    ListItemStatus.PROPOSED: "待委托方同意",
    ListItemStatus.OPEN: "进行中",
    ListItemStatus.DONE: "已完成",
    ListItemStatus.WAIVED: "不再实施",
}
RECTIFICATION_STATUS = {
    RectificationStatus.OPEN: "整改中",
    RectificationStatus.RECTIFIED: "已整改待验证",
    RectificationStatus.CLOSED: "已销号",
}
STAGE_REPORT_STATUS = {
    StageReportStatus.SUBMITTED: "已提交",
    StageReportStatus.ACCEPTED: "已确认",
    StageReportStatus.OBJECTED: "有异议",
}
PLAN_STATUS = {
    PlanStatus.DRAFT: "草稿",
    PlanStatus.SUBMITTED: "已提交",
    PlanStatus.OBJECTED: "有异议",
    PlanStatus.CONFIRMED: "已确认",
}
CHECKLIST_STATUS = {
    ChecklistStatus.PENDING: "待收集",
    ChecklistStatus.RECEIVED: "已收集",
    ChecklistStatus.NOT_APPLICABLE: "不适用",
}
SURVEY_METHOD = {
    SurveyMethod.QUESTIONNAIRE: "问卷调查",
    SurveyMethod.VISIT: "走访",
    SurveyMethod.ONLINE: "网上调查",
    SurveyMethod.PHONE: "电话回访",
    SurveyMethod.ONSITE: "现场调查",
}
SERVICE_MODE = {
    ServiceMode.FIXED_RESIDENT: "固定常驻",
    ServiceMode.ROVING: "巡回流动",
    ServiceMode.REMOTE_MONITORING: "远程监控",
}
SCALE = {"large": "大型", "medium": "中型", "small": "小型", "micro": "微型"}
NONE = "无"


def day(d: date | None) -> str:
    return d.isoformat() if d else NONE


def day_zh(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def moment(t: datetime) -> str:
    """A time of day as people in the unit read it: China time, to the minute."""
    return t.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


def period_zh(p: DocumentPeriod) -> str:
    return f"{day_zh(p.start)}至{day_zh(p.end)}"


def num(value: Decimal | int | None, unit: str = "") -> str:
    return NONE if value is None else f"{value}{unit}"


def yes(flag: bool) -> str:
    return "是" if flag else "否"
