"""The region statistics as an XLSX workbook: sheet `辖区统计` with one row per group
and the total (合计) last, sheet `评价等级` with the grades per group and year. Headers
are Chinese; every text goes through kit.spreadsheet, so no name runs as a formula."""

from __future__ import annotations

from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Font

from contracts.engagement.enums import ServiceMode, Stage
from contracts.evaluation.enums import Grade
from gateway.statistics.fanout import Figures, RegionFigures
from gateway.statistics.types import zh
from kit.spreadsheet import Cell, append_row

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
GROUP_HEADER = {"region": "行政区划代码", "agency": "托管服务单位", "unit": "排污单位"}


def headers(group_by: str) -> list[Cell]:
    return [
        GROUP_HEADER[group_by],
        "编码",
        "托管项目数",
        *(f"{zh('Stage', s.name)}" for s in Stage),
        *(f"{zh('ServiceMode', m.name)}" for m in ServiceMode),
        "逾期时间节点",
        "逾期合规义务",
        "整改发现数",
        "整改闭环数",
        "整改闭环率",
        "平均整改天数",
        "反复出现问题数",
        "反复出现整改数",
        "突发环境事件",
        "按时响应",
        "平均响应分钟",
        "投诉",
        "查实投诉",
        "行政处罚",
        "处罚金额（元）",
    ]


def _row(f: Figures, key: str) -> list[Cell]:
    return [
        f.label,
        key,
        f.engagements,
        *(f.by_stage[s] for s in Stage),
        *(f.by_mode[m] for m in ServiceMode),
        f.overdue_time_nodes,
        f.overdue_obligations,
        f.rectifications_raised,
        f.rectifications_closed,
        f.closure_rate,
        f.mean_days_to_close,
        f.recurring_problems,
        f.recurring_rectifications,
        f.emergencies,
        f.emergencies_in_time,
        f.mean_response_minutes,
        f.complaints,
        f.complaints_verified,
        f.penalties,
        f.penalty_amount,
    ]


def workbook(figures: RegionFigures) -> bytes:
    req = figures.request
    wb = Workbook()
    sheet = wb.active
    assert sheet is not None
    sheet.title = "辖区统计"
    window = f"{req.from_date or '—'} 至 {req.to_date or '—'}"
    append_row(sheet, ["区划代码前缀", req.region_prefix or "（全部）", "统计期间", window])
    append_row(sheet, headers(req.group_by.value))
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for f in figures.rows:
        append_row(sheet, _row(f, f.key))
    append_row(sheet, _row(figures.total, ""))
    sheet.freeze_panes = "C3"

    grades = wb.create_sheet("评价等级")
    append_row(grades, [GROUP_HEADER[req.group_by.value], "编码", "年度", *(g.zh for g in Grade)])
    for f in [*figures.rows, figures.total]:
        for year in sorted({y for y, _ in f.grades}):
            counts = [f.grades[(year, g)] for g in Grade]
            append_row(grades, [f.label, f.key, year, *counts])
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def filename(figures: RegionFigures) -> str:
    req = figures.request
    return f"region-statistics-{req.region_prefix or 'all'}-{req.group_by.value}.xlsx"
