"""The published rule set and holiday calendar, read from the JSON beside this file.

They are data, not code: a new version of the obligations is a new `version` in
ruleset.json; agencies add their own rules as rows (`agency_rule`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from contracts.compliance.enums import Frequency, ManagementCategory
from contracts.compliance.rpc import Deadline, ReportScheduleEntry, RuleDefinition

HERE = Path(__file__).parent


@dataclass(frozen=True)
class RuleSet:
    version: str
    rules: dict[str, RuleDefinition]
    event_rules: dict[str, RuleDefinition]
    execution_reports: dict[ManagementCategory, list[Frequency]]
    report_deadlines: dict[Frequency, Deadline]

    def default_schedule(self, category: ManagementCategory) -> list[ReportScheduleEntry]:
        return [ReportScheduleEntry(frequency=f) for f in self.execution_reports[category]]

    def unit_rules(self) -> list[RuleDefinition]:
        """Rules a unit with a permit carries by itself (not per permit or plan)."""
        per_source = {"permit.execution_report", "permit.renewal", "monitoring.sampling"}
        return [r for code, r in self.rules.items() if code not in per_source]


@dataclass(frozen=True)
class HolidayYear:
    status: str  # official | provisional
    source: str
    holidays: frozenset[date]
    working_days: frozenset[date]


def _parse(data: dict[str, Any]) -> RuleSet:
    return RuleSet(
        version=str(data["version"]),
        rules={r["code"]: RuleDefinition.model_validate(r) for r in data["rules"]},
        event_rules={r["code"]: RuleDefinition.model_validate(r) for r in data["event_rules"]},
        execution_reports={
            ManagementCategory(k): [Frequency(f) for f in v]
            for k, v in data["execution_reports"].items()
        },
        report_deadlines={
            Frequency(k): Deadline.model_validate(v) for k, v in data["report_deadlines"].items()
        },
    )


@cache
def ruleset() -> RuleSet:
    return _parse(json.loads((HERE / "ruleset.json").read_text(encoding="utf-8")))


@cache
def holiday_years() -> dict[int, HolidayYear]:
    data = json.loads((HERE / "holidays_cn.json").read_text(encoding="utf-8"))
    return {
        int(year): HolidayYear(
            status=y["status"],
            source=y["source"],
            holidays=frozenset(date.fromisoformat(d) for d in y["holidays"]),
            working_days=frozenset(date.fromisoformat(d) for d in y["working_days"]),
        )
        for year, y in data["years"].items()
    }
