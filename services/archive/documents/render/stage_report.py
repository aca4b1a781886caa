"""阶段性工作报告 (R4.2.3.2): what the period's service did and found — inspections,
rectifications with their status, trainings, emergencies, satisfaction surveys —
the problems with their solutions, the seminars' conclusions, and the client's
objections with the feedback they led to."""

from __future__ import annotations

from contracts.archive.documents import DocumentMeta, DocumentPeriod, EngagementFacts
from contracts.core import Message
from contracts.engagement.rpc_workflow import StageReportView
from services.archive.documents.render import common as C
from services.archive.documents.render import labels as L
from services.archive.documents.render.figures import (
    emergency_figures,
    inspection_figures,
    mean,
    rectification_figures,
    training_figures,
)
from services.archive.documents.render.model import Fields, Paragraph, Section, Table
from services.archive.documents.render.records import read_records, within

TITLE = "阶段性工作报告"


def missing(facts: EngagementFacts, meta: DocumentMeta) -> list[Message]:
    if meta.period is None:
        return [Message("a stage report needs a period")]
    return []


def reports_for(facts: EngagementFacts, period: DocumentPeriod | None) -> list[StageReportView]:
    """Every version of the submitted reports whose period overlaps this one (all of
    them without a period)."""
    return sorted(
        (
            r
            for r in facts.workflow.stage_reports
            if period is None or (r.period_start <= period.end and r.period_end >= period.start)
        ),
        key=lambda r: (r.report_no, r.version),
    )


def sections(facts: EngagementFacts, meta: DocumentMeta) -> list[Section]:
    assert meta.period is not None  # missing() says so first
    period = meta.period
    rec = read_records(facts.workflow, period)
    rects = [r for r in facts.workflow.rectifications if within(r.raised_on, period)]
    ins, rf = inspection_figures(rec.inspections), rectification_figures(rects)
    tf, ef = training_figures(rec.trainings), emergency_figures(rec.emergencies)
    score = mean(s.action.score for s in rec.surveys)
    reports = reports_for(facts, period)
    latest = reports[-1] if reports else None

    overview = Section(
        key="overview",
        title="工作概述",
        blocks=[
            C.engagement_fields(facts),
            Fields(
                pairs=[
                    ("报告期间", L.period_zh(period)),
                    (
                        "报告编号",
                        f"第{latest.report_no}期（第{latest.version}版）" if latest else L.NONE,
                    ),
                    ("巡查次数", str(ins.count)),
                    ("发现问题", f"{ins.problems_found}项"),
                    ("整改销号率", L.num(rf.closure_rate, "%")),
                    ("培训次数", f"{tf.count}次，{tf.attendees}人次"),
                    ("突发环境事件", f"{ef.count}起"),
                    ("满意度平均得分", L.num(score)),
                ]
            ),
        ],
    )
    inspections = Section(
        key="inspections",
        title="环境问题排查",
        blocks=[
            Paragraph(
                text=f"本期开展巡查{ins.count}次，发现问题{ins.problems_found}项，"
                f"已制定整改方案{ins.with_plans}项。"
            ),
            C.inspection_table(rec.inspections),
        ]
        if rec.inspections
        else [Paragraph(text="本期无巡查记录。")],
    )
    rectification = Section(
        key="rectifications",
        title="问题整改情况",
        blocks=[
            Paragraph(
                text=f"本期提出整改{rf.raised}项，已销号{rf.closed}项，已整改待验证"
                f"{rf.rectified_unverified}项，整改中{rf.open}项（其中逾期{rf.overdue}项）；"
                f"销号率{L.num(rf.closure_rate, '%')}，"
                f"平均整改用时{L.num(rf.mean_days_to_close, '天')}。"
            ),
            C.rectification_table(rects),
        ]
        if rects
        else [Paragraph(text="本期未提出整改事项。")],
    )
    training = Section(
        key="trainings",
        title="宣传培训",
        blocks=[
            Paragraph(
                text=f"本期开展培训{tf.count}次，参加{tf.attendees}人次，记录齐全{tf.with_records}次。"
            ),
            C.training_table(rec.trainings),
        ]
        if rec.trainings
        else [Paragraph(text="本期未开展培训。")],
    )
    emergencies = Section(
        key="emergencies",
        title="突发环境事件应对",
        blocks=[
            Paragraph(
                text=f"本期处置突发环境事件{ef.count}起，按约定时限响应{ef.responded_in_time}起，"
                f"平均响应用时{L.num(ef.mean_response_minutes, '分钟')}。"
            ),
            C.emergency_table(rec.emergencies),
        ]
        if rec.emergencies
        else [Paragraph(text="本期未发生突发环境事件。")],
    )
    surveys = Section(
        key="surveys",
        title="满意度调查",
        blocks=[
            Paragraph(text=f"本期开展满意度调查{len(rec.surveys)}次，平均得分{L.num(score)}。"),
            C.survey_table(rec.surveys),
        ]
        if rec.surveys
        else [Paragraph(text="本期未开展满意度调查。")],
    )
    problems = Section(
        key="problems",
        title="存在问题及解决方案",
        blocks=[
            Table(
                headers=["报告", "存在问题", "解决方案"],
                widths=[2, 6, 6],
                rows=[
                    [
                        f"第{r.report_no}期第{r.version}版",
                        r.problems,
                        r.solutions or "见技术研讨会结论",
                    ]
                    for r in reports
                ],
            )
        ]
        if reports
        else [C.pending("本期存在的问题及解决方案（尚未提交阶段性工作报告）")],
    )
    seminars = Section(
        key="seminars",
        title="技术研讨会结论",
        blocks=[C.seminar_table(rec.seminars)]
        if rec.seminars
        else [Paragraph(text="本期未召开技术研讨会。")],
    )
    reviewed = [r for r in reports if r.reviewed_at is not None]
    feedback = Section(
        key="feedback",
        title="委托方意见及反馈",
        blocks=[
            Table(
                headers=["报告", "委托方意见", "意见内容", "审阅时间"],
                widths=[2.5, 2, 7, 3],
                rows=[
                    [
                        f"第{r.report_no}期第{r.version}版",
                        L.STAGE_REPORT_STATUS[r.status],
                        r.feedback or L.NONE,
                        L.moment(r.reviewed_at) if r.reviewed_at else L.NONE,
                    ]
                    for r in reviewed
                ],
            )
        ]
        if reviewed
        else [Paragraph(text="委托方尚未审阅本期报告。")],
    )
    next_steps = Section(
        key="next",
        title="下阶段工作计划",
        blocks=[C.pending("下阶段工作安排")],
    )
    return [
        overview,
        inspections,
        rectification,
        training,
        emergencies,
        surveys,
        problems,
        seminars,
        feedback,
        next_steps,
    ]
