"""The filled table C.1 as an XLSX workbook, laid out like the standard's table.

Sheet 1 `表C.1` is the table: 考核指标 (the part, merged down its items), 序号,
考核内容, 分值, 得分, then 合计, 评价等级 and the panel. Sheet 2 `评分明细` lists
every evaluator's score with its justification and the deductions, so the
printed table can be checked against who said what.

Every row goes through `_row`, so every text lands as a string cell, never a formula:
justifications, findings, unit names and template texts come from users, and a text
such as `=HYPERLINK(…)` would otherwise run in whoever opens the file (CSV/formula
injection). A text starting with `= + - @`, a tab or a carriage return gets a leading
apostrophe, as OWASP recommends, and characters XML cannot hold are dropped.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side

from contracts.evaluation.enums import Grade, PartKind, ScorecardKind, ScorecardStatus
from contracts.evaluation.rpc import ScorecardView, TemplateDefinition
from kit.spreadsheet import append_row

_THIN = Side(style="thin")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WRAP = Alignment(wrap_text=True, vertical="center")
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_BOLD = Font(bold=True)
HEADERS = ("考核指标", "序号", "考核内容", "分值", "得分")
STATUS_ZH = {
    ScorecardStatus.OPEN: "评分中",
    ScorecardStatus.FINALIZED: "已定稿",
    ScorecardStatus.FALSIFIED: "弄虚作假",
    ScorecardStatus.SUPERSEDED: "已被修订",
}


def filename(view: ScorecardView) -> str:
    return f"C1-{view.period_label.replace('/', '_')}-v{view.version}-{view.id}.xlsx"


def _num(value: Decimal | None) -> float | str:
    """Cells hold numbers so a spreadsheet can add them; Decimal → float only here,
    at the very edge, with two places that a float represents exactly enough."""
    return "" if value is None else float(value)


def render(
    template: TemplateDefinition,
    view: ScorecardView,
    *,
    unit_name: str | None,
    with_settlement: bool = False,
) -> bytes:
    wb = Workbook()
    sheet = wb.active
    sheet.title = "表C.1"
    append_row(sheet, [f"表C.1 {template.title_zh}"])
    sheet.merge_cells("A1:E1")
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A1"].alignment = _CENTER
    append_row(
        sheet, ["被服务单位", unit_name or str(view.unit_id), "评价期间", view.period_label, ""]
    )
    append_row(
        sheet,
        ["考核表", f"{view.template_code} 第{view.template_version}版", "版本", view.version, ""],
    )
    append_row(sheet, list(HEADERS))
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font = _BOLD
        cell.alignment = _CENTER

    results = {r.item_code: r for r in view.results}
    occurrences = Counter(d.item_code for d in view.deductions)
    for part in template.parts:
        first = sheet.max_row + 1
        title = f"{part.code}、{part.title_zh}"
        if part.kind == PartKind.SCORED and part.max_points is not None:
            title += f"（{part.max_points}分）"
        for n, item in enumerate(part.items, start=1):
            if part.kind == PartKind.SCORED:
                result = results.get(item.code)
                max_cell: float | str = _num(item.max_points)
                score: float | str = _num(result.points if result else None)
            else:
                times = occurrences.get(item.code, 0)
                per = item.deduction_per_occurrence or Decimal(0)
                max_cell = f"每次-{per}"  # not "-5/次": a leading minus would be neutralised
                score = _num(-per * times) if times else ""
            append_row(sheet, [title if n == 1 else "", n, item.text_zh, max_cell, score])
        last = sheet.max_row
        if last > first:
            sheet.merge_cells(start_row=first, start_column=1, end_row=last, end_column=1)

    grade = Grade(view.grade)
    append_row(sheet, ["合计", "", "", 100, _num(view.total)])
    append_row(sheet, ["评价等级", "", grade.zh, "", ""])
    if view.kind == ScorecardKind.SELF:
        append_row(sheet, ["评价类型", "", "服务机构自评（不作为考核结果）", "", ""])
    paid = (view.settlement_percent, view.settlement_amount)
    if with_settlement and paid[0] is not None and paid[1] is not None:
        # R3.1-pay: what this result pays under the fee terms, beside the grade.
        append_row(sheet, ["按效果付费", "", f"{paid[0]}%", "结算金额（元）", _num(paid[1])])
    if view.falsification is not None:
        append_row(
            sheet, ["弄虚作假", "", f"{view.falsification.party}：{view.falsification.finding}"]
        )
    append_row(sheet, ["评价人员", "", "、".join(view.evaluators), "", ""])
    append_row(sheet, ["状态", "", STATUS_ZH.get(view.status, view.status), "", ""])
    for row in sheet.iter_rows(min_row=header_row, max_row=sheet.max_row, max_col=5):
        for cell in row:
            cell.border = _BOX
            if cell.column in (1, 2, 4, 5):
                cell.alignment = _CENTER
            else:
                cell.alignment = _WRAP
    for column, width in zip("ABCDE", (16, 6, 70, 10, 10), strict=True):
        sheet.column_dimensions[column].width = width

    _details(wb, view)
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def _details(wb: Workbook, view: ScorecardView) -> None:
    sheet = wb.create_sheet("评分明细")
    append_row(sheet, ["条目", "评价人员", "得分", "建议分", "理由", "偏离建议的原因", "证据"])
    for s in view.scores:
        evidence = "; ".join(f"{e.kind}:{e.ref}" for e in s.evidence)
        append_row(
            sheet,
            [
                s.item_code,
                s.evaluator,
                _num(s.points),
                _num(s.suggested_points),
                s.justification,
                s.override_reason or "",
                evidence,
            ],
        )
    append_row(sheet, [])
    append_row(sheet, ["扣分条目", "记录人", "扣分", "", "说明", "", "证据"])
    for d in view.deductions:
        evidence = "; ".join(f"{e.kind}:{e.ref}" for e in d.evidence)
        append_row(
            sheet, [d.item_code, d.recorded_by, _num(-d.points), "", d.description, "", evidence]
        )
    for cell in sheet[1]:
        cell.font = _BOLD
