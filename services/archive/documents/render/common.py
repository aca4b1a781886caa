"""Parts every document shares: the cover, the engagement's basic facts, and the
tables of records that several documents list the same way."""

from __future__ import annotations

from collections.abc import Sequence

from contracts.archive.documents import DocumentMeta, DocumentPeriod, EngagementFacts
from contracts.engagement.actions import (
    RecordEmergency,
    RecordInspection,
    RecordSeminar,
    RecordSurvey,
    RecordTraining,
)
from contracts.engagement.rpc_workflow import RectificationView
from services.archive.documents.render import labels as L
from services.archive.documents.render.figures import handling_hours, response_minutes
from services.archive.documents.render.model import Cover, Fields, Pending, Table
from services.archive.documents.render.records import Dated


def pending(what: str) -> Pending:
    return Pending(text=f"待填写：{what}")


def document_period(facts: EngagementFacts, meta: DocumentMeta) -> DocumentPeriod:
    """The period a document covers: the one asked for, else the engagement's term."""
    e = facts.engagement
    return meta.period or DocumentPeriod(start=e.period_start, end=e.period_end)


def cover(
    title: str, facts: EngagementFacts, meta: DocumentMeta, template: str, subtitle: str = ""
) -> Cover:
    return Cover(
        title=title,
        subtitle=subtitle,
        unit=facts.unit.name,
        agency=facts.agency.name if facts.agency else "（服务单位未登记）",
        period=L.period_zh(document_period(facts, meta)),
        document_number=meta.document_number,
        date=L.day_zh(meta.generated_at.astimezone(L.CHINA).date()),
        template=template,
    )


def engagement_fields(facts: EngagementFacts) -> Fields:
    e, w = facts.engagement, facts.workflow
    return Fields(
        pairs=[
            ("排污单位", facts.unit.name),
            ("统一社会信用代码", facts.unit.uscc),
            ("地址", facts.unit.address),
            ("服务单位", facts.agency.name if facts.agency else L.NONE),
            ("服务模式", "、".join(L.SERVICE_MODE[m] for m in e.service_modes)),
            ("服务期限", f"{L.day(e.period_start)} 至 {L.day(e.period_end)}"),
            ("合同签订日期", L.day(w.contract_signed_on)),
        ]
    )


def inspection_table(items: Sequence[Dated[RecordInspection]]) -> Table:
    return Table(
        headers=["序号", "排查日期", "发现问题（项）", "已制定整改方案（项）"],
        widths=[1, 3, 3, 3],
        numeric=[0, 2, 3],
        rows=[
            [str(n), L.day(i.on), str(i.action.problems_found), str(i.action.rectification_plans)]
            for n, i in enumerate(items, 1)
        ],
    )


def rectification_table(items: Sequence[RectificationView], *, full: bool = False) -> Table:
    headers = ["序号", "问题类别", "问题描述", "整改措施", "责任人", "提出日期", "完成时限"]
    widths = [1.0, 2.2, 4.0, 4.0, 1.6, 2.2, 2.2]
    headers += ["状态", "销号日期"]
    widths += [2.0, 2.2]
    if full:
        headers += ["验证记录", "备注"]
        widths += [3.5, 1.6]
    rows: list[list[str]] = []
    for n, r in enumerate(sorted(items, key=lambda r: (r.raised_on, r.problem_key)), 1):
        row = [
            str(n),
            r.problem_key,
            r.description,
            r.plan,
            r.owner,
            L.day(r.raised_on),
            L.day(r.due_date),
            L.RECTIFICATION_STATUS[r.status] + ("（逾期）" if r.overdue else ""),
            L.day(r.closed_on),
        ]
        if full:
            row += ["；".join(r.notes) or L.NONE, "重复发生" if r.recurring else ""]
        rows.append(row)
    return Table(headers=headers, widths=widths, rows=rows, numeric=[0])


def training_table(items: Sequence[Dated[RecordTraining]]) -> Table:
    return Table(
        headers=["序号", "日期", "培训主题", "参加人数", "记录齐全"],
        widths=[1, 2.5, 7, 2, 2],
        numeric=[0, 3],
        rows=[
            [
                str(n),
                L.day(t.on),
                t.action.topic,
                str(t.action.attendees),
                L.yes(t.action.has_records),
            ]
            for n, t in enumerate(items, 1)
        ],
    )


def emergency_table(items: Sequence[Dated[RecordEmergency]]) -> Table:
    rows = []
    for n, e in enumerate(items, 1):
        a = e.action
        minutes = response_minutes(a)
        rows.append(
            [
                str(n),
                L.moment(a.reported_at),
                L.moment(a.responded_at),
                L.moment(a.closed_at),
                f"{minutes}",
                f"{a.contracted_response_minutes}",
                "是" if minutes <= a.contracted_response_minutes else "否",
                f"{handling_hours(a)}",
            ]
        )
    return Table(
        headers=[
            "序号",
            "报告时间",
            "响应时间",
            "处置完毕",
            "响应用时（分钟）",
            "约定响应（分钟）",
            "按时响应",
            "处置用时（小时）",
        ],
        widths=[1, 3, 3, 3, 2, 2, 1.6, 2],
        numeric=[0, 4, 5, 7],
        rows=rows,
    )


def survey_table(items: Sequence[Dated[RecordSurvey]]) -> Table:
    return Table(
        headers=["序号", "日期", "调查方式", "得分", "问题与回答"],
        widths=[1, 2.5, 2.5, 1.5, 8],
        numeric=[0, 3],
        rows=[
            [
                str(n),
                L.day(s.on),
                L.SURVEY_METHOD[s.action.method],
                str(s.action.score),
                "；".join(f"{a.question}：{a.answer}" for a in s.action.answers) or L.NONE,
            ]
            for n, s in enumerate(items, 1)
        ],
    )


def seminar_table(items: Sequence[Dated[RecordSeminar]]) -> Table:
    return Table(
        headers=["日期", "专家", "政府部门", "研讨问题", "结论"],
        widths=[2.2, 2.5, 2.5, 4.5, 4.5],
        rows=[
            [
                L.day(s.on),
                "、".join(s.action.experts),
                "、".join(s.action.departments),
                s.action.problems,
                s.action.conclusion,
            ]
            for s in items
        ],
    )
