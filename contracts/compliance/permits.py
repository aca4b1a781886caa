"""The rules a permit (排污许可证) obeys wherever it is entered: `registerPermit` and the
bulk import of units with their permits. Pure functions over plain values, so both the
compliance service and the engagement service's import apply the same ones.

Each check returns the problem as a Message (English template, the catalogue's key) or
None; the caller decides whether that is a ValidationFailed or a row of a report.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from contracts.compliance.enums import Frequency, ManagementCategory
from contracts.core import Message

NUMBER_MIN, NUMBER_MAX = 4, 60
AUTHORITY_MAX = 200
REPORT_FREQUENCIES = (
    Frequency.MONTHLY,
    Frequency.QUARTERLY,
    Frequency.SEMIANNUAL,
    Frequency.ANNUAL,
)
"""How often an execution report (执行报告) may fall due."""

CATEGORY_ZH = {
    ManagementCategory.KEY: "重点管理",
    ManagementCategory.SIMPLIFIED: "简化管理",
    ManagementCategory.REGISTRATION: "登记管理",
}
REPORT_ZH = {
    Frequency.MONTHLY: "月报",
    Frequency.QUARTERLY: "季报",
    Frequency.SEMIANNUAL: "半年报",
    Frequency.ANNUAL: "年报",
}


def number_problem(number: str) -> Message | None:
    if not NUMBER_MIN <= len(number) <= NUMBER_MAX:
        return Message(
            "a permit number has {min} to {max} characters",
            {"min": NUMBER_MIN, "max": NUMBER_MAX},
        )
    return None


def validity_problem(valid_from: date, valid_to: date) -> Message | None:
    if valid_to <= valid_from:
        return Message("a permit is valid until after it starts")
    return None


def schedule_problem(frequencies: Sequence[Frequency]) -> Message | None:
    if any(f not in REPORT_FREQUENCIES for f in frequencies):
        return Message("execution reports are monthly, quarterly, semiannual or annual")
    if len(set(frequencies)) != len(frequencies):
        return Message("each report frequency appears once in a schedule")
    return None


_CATEGORY_BY_TEXT = {
    text: value
    for value, zh in CATEGORY_ZH.items()
    for text in (zh, zh.removesuffix("管理"), value.value, value.name.casefold())
}
_REPORT_BY_TEXT = {text: value for value, zh in REPORT_ZH.items() for text in (zh, value.value)}


def category(text: str) -> ManagementCategory | None:
    """重点管理 / 简化管理 / 登记管理 (or 重点 / 简化 / 登记, with a trailing 类 as people
    write it), or the enum's value (key, simplified, registration)."""
    return _CATEGORY_BY_TEXT.get(text.strip().removesuffix("类").casefold())


def report_frequency(text: str) -> Frequency | None:
    """月报 / 季报 / 半年报 / 年报, or monthly, quarterly, semiannual, annual."""
    return _REPORT_BY_TEXT.get(text.strip().casefold())
