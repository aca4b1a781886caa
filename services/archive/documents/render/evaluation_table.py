"""表 C.1 托管服务绩效评价表 (R7.1) as the standard lays it out — 考核指标 spanning its
items, 序号, 考核内容, 分值, 得分 — with a column per evaluator beside the panel's
result, the deductions (附加考核) by occurrence, total, grade (R7.2), and each
evaluator's justification."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from contracts.archive.documents import DocumentMeta, EngagementFacts
from contracts.core import Message
from contracts.evaluation.enums import Grade, PartKind, ScorecardStatus
from contracts.evaluation.rpc import ScorecardView, TemplateDefinition
from services.archive.documents.render import labels as L
from services.archive.documents.render.model import Cell, Fields, Paragraph, Section, Table

TITLE = "托管服务绩效评价表"
STATUS = {
    ScorecardStatus.OPEN: "评分中",
    ScorecardStatus.FINALIZED: "已定稿",
    ScorecardStatus.FALSIFIED: "弄虚作假",
    ScorecardStatus.SUPERSEDED: "已被修订",
}


def scorecard(facts: EngagementFacts, meta: DocumentMeta) -> ScorecardView | None:
    """The latest version of the latest scorecard (within the period, if one is asked)."""
    cards = [
        c
        for c in facts.scorecards
        if meta.period is None
        or (c.period_start >= meta.period.start and c.period_end <= meta.period.end)
    ]
    return max(cards, key=lambda c: (c.period_end, c.version), default=None)


def missing(facts: EngagementFacts, meta: DocumentMeta) -> list[Message]:
    if scorecard(facts, meta) is None:
        return [Message("the C.1 table needs a scorecard")]
    return []


def _template(facts: EngagementFacts, card: ScorecardView) -> TemplateDefinition | None:
    return next(
        (
            t
            for t in facts.evaluation_templates
            if t.code == card.template_code and t.version == card.template_version
        ),
        None,
    )


def _points(value: Decimal | None) -> str:
    return "" if value is None else f"{value.normalize():f}"


def sections(facts: EngagementFacts, meta: DocumentMeta) -> list[Section]:
    card = scorecard(facts, meta)
    assert card is not None  # missing() says so first
    template = _template(facts, card)
    given: dict[tuple[str, str], Decimal] = {
        (s.item_code, s.evaluator): s.points for s in card.scores
    }
    results = {r.item_code: r for r in card.results}
    occurrences = Counter(d.item_code for d in card.deductions)
    evaluators = card.evaluators
    headers = ["考核指标", "序号", "考核内容", "分值", *evaluators, "得分"]
    widths = [2.4, 0.9, 8.0, 1.2, *([1.4] * len(evaluators)), 1.3]
    rows: list[list[str | Cell]] = []
    if template is not None:
        for part in template.parts:
            title = f"{part.code}、{part.title_zh}"
            if part.kind == PartKind.SCORED and part.max_points is not None:
                title += f"（{_points(part.max_points)}分）"
            for n, item in enumerate(part.items, 1):
                first: list[str | Cell] = (
                    [Cell(text=title, rowspan=len(part.items), strong=True)] if n == 1 else []
                )
                if part.kind == PartKind.SCORED:
                    result = results.get(item.code)
                    row: list[str | Cell] = [
                        str(n),
                        item.text_zh,
                        _points(item.max_points),
                        *(_points(given.get((item.code, e))) for e in evaluators),
                        _points(result.points if result else None),
                    ]
                else:
                    times = occurrences.get(item.code, 0)
                    per = item.deduction_per_occurrence or Decimal(0)
                    row = [
                        str(n),
                        item.text_zh,
                        f"每次扣{_points(per)}",
                        *([""] * len(evaluators)),
                        f"-{_points(per * times)}" if times else "",
                    ]
                rows.append(first + row)
    else:
        for r in card.results:
            rows.append(
                [
                    r.item_code.split(".")[0],
                    r.item_code.split(".")[-1],
                    r.text_zh,
                    _points(r.max_points),
                    *(_points(given.get((r.item_code, e))) for e in evaluators),
                    _points(r.points),
                ]
            )
    span = len(headers) - 1
    rows.append([Cell(text="合计", colspan=span, strong=True), _points(card.total)])
    rows.append([Cell(text="评价等级", colspan=span, strong=True), Grade(card.grade).zh])
    table = Table(
        headers=headers, widths=widths, rows=rows, numeric=[1, 3, *range(4, len(headers))]
    )
    details = Table(
        headers=["条目", "评价人员", "得分", "建议分", "理由", "偏离建议的原因"],
        widths=[1.2, 2.2, 1.1, 1.1, 5, 4],
        numeric=[2, 3],
        rows=[
            [
                s.item_code,
                s.evaluator,
                _points(s.points),
                _points(s.suggested_points),
                s.justification,
                s.override_reason or "",
            ]
            for s in sorted(card.scores, key=lambda s: (s.item_code, s.evaluator))
        ],
    )
    header = Fields(
        pairs=[
            ("被服务单位", facts.unit.name),
            (
                "评价期间",
                f"{card.period_label}（{L.day(card.period_start)} 至 {L.day(card.period_end)}）",
            ),
            ("考核表", f"{card.template_code} 第{card.template_version}版"),
            (
                "评价表版本",
                f"第{card.version}版"
                + (f"（修订原因：{card.amendment_reason}）" if card.amendment_reason else ""),
            ),
            ("状态", STATUS[ScorecardStatus(card.status)]),
            ("评价人员", "、".join(evaluators)),
        ]
    )
    blocks = [header, table]
    if template is None:
        blocks.insert(1, Paragraph(text="（未提供考核表定义，按条目编号列示。）"))
    if card.falsification is not None:
        blocks.append(
            Paragraph(
                text=f"弄虚作假：{card.falsification.party}，{card.falsification.finding}；依7.2直接评为0分。"
            )
        )
    deductions = [
        [d.item_code, _points(d.points), d.description, d.recorded_by] for d in card.deductions
    ]
    return [
        Section(
            key="table", title="表C.1 " + (template.title_zh if template else TITLE), blocks=blocks
        ),
        Section(key="scores", title="评分明细", blocks=[details]),
        Section(
            key="deductions",
            title="附加考核扣分",
            blocks=[
                Table(
                    headers=["条目", "扣分", "说明", "记录人"],
                    widths=[1.2, 1.2, 8, 2],
                    numeric=[1],
                    rows=deductions,
                )
            ]
            if deductions
            else [Paragraph(text="无扣分事项。")],
        ),
    ]
