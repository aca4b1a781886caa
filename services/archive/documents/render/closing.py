"""托管服务实施总结报告 and 托管服务成果报告 (R4.2.4.2): targets against what was
achieved per list item, the quantities of work, rectification closure rate and time to
close, trainings, emergencies and response times, satisfaction, complaints, penalties,
and what was waived and why. The summary tells the work; the results report states
the outcomes with the full inspection and rectification records behind them."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from contracts.archive.documents import DocumentMeta, EngagementFacts
from contracts.core import Message
from contracts.engagement.enums import ListItemStatus
from services.archive.documents.render import common as C
from services.archive.documents.render import labels as L
from services.archive.documents.render.figures import (
    completion,
    emergency_figures,
    inspection_figures,
    item_progress,
    mean,
    rectification_figures,
    training_figures,
)
from services.archive.documents.render.model import Block, Fields, Paragraph, Section, Table
from services.archive.documents.render.records import Records, read_records, within
from services.archive.documents.render.stage_report import reports_for

SUMMARY_TITLE = "托管服务实施总结报告"
RESULTS_TITLE = "托管服务成果报告"


def missing(facts: EngagementFacts, meta: DocumentMeta) -> list[Message]:
    if not facts.workflow.list_items:
        return [Message("summary and results reports need the service list")]
    return []


def _targets(facts: EngagementFacts) -> Table:
    names = C.catalogue_names(facts)
    rows = []
    for p in item_progress(facts.workflow.list_items):
        i = p.item
        rows.append(
            [
                i.catalogue_code,
                names.get(i.catalogue_code, i.catalogue_code),
                i.target or L.NONE,
                C.quantity(i.contracted_quantity, i.quantity_unit),
                f"{i.done_quantity}{i.quantity_unit or '次'}",
                L.num(p.achieved_share, "%") if p.achieved_share is not None else "—",
                L.LIST_ITEM_STATUS[i.status] + ("（逾期）" if i.overdue else ""),
            ]
        )
    return Table(
        headers=["编号", "服务内容", "目标", "约定数量", "实际完成", "完成率", "状态"],
        widths=[1.6, 3, 4, 1.8, 1.8, 1.6, 2],
        numeric=[3, 4, 5],
        rows=rows,
    )


def _waived(facts: EngagementFacts) -> list[Block]:
    names = C.catalogue_names(facts)
    waived = [i for i in facts.workflow.list_items if i.status == ListItemStatus.WAIVED]
    if not waived:
        return [Paragraph(text="服务清单所列事项均已实施，无不再实施事项。")]
    return [
        Table(
            headers=["编号", "服务内容", "不再实施的原因"],
            widths=[1.6, 3.5, 8],
            rows=[
                [
                    i.catalogue_code,
                    names.get(i.catalogue_code, i.catalogue_code),
                    i.waived_reason or L.NONE,
                ]
                for i in waived
            ],
        )
    ]


def _complaints_penalties(rec: Records) -> list[Block]:
    verified = sum(c.action.verified for c in rec.complaints)
    fined = sum((p.action.amount for p in rec.penalties), Decimal(0))
    blocks: list[Block] = [
        Paragraph(
            text=f"服务期间收到服务质量投诉{len(rec.complaints)}起，其中查实{verified}起；"
            f"排污单位受到环保行政处罚{len(rec.penalties)}次，罚款合计{fined}元。"
        )
    ]
    if rec.complaints:
        blocks.append(
            Table(
                headers=["收到日期", "是否查实"],
                widths=[3, 3],
                rows=[[L.day(c.on), L.yes(c.action.verified)] for c in rec.complaints],
            )
        )
    if rec.penalties:
        blocks.append(
            Table(
                headers=["决定日期", "处罚机关", "罚款金额（元）"],
                widths=[2.5, 6, 3],
                numeric=[2],
                rows=[
                    [L.day(p.on), p.action.authority, str(p.action.amount)] for p in rec.penalties
                ],
            )
        )
    return blocks


def _common(facts: EngagementFacts, meta: DocumentMeta) -> tuple[Records, list[Section], Fields]:
    """What both reports open with: the overview and the key figures."""
    period = meta.period  # None: everything recorded, before and after the term too
    w = facts.workflow
    rec = read_records(w, period)
    rects = [r for r in w.rectifications if within(r.raised_on, period)]
    ins, rf = inspection_figures(rec.inspections), rectification_figures(rects)
    tf, ef = training_figures(rec.trainings), emergency_figures(rec.emergencies)
    done, waived, open_, proposed = completion(w.list_items)
    hours = sum((h.action.hours for h in rec.work_logs), Decimal(0))
    figures = Fields(
        pairs=[
            (
                "服务清单",
                f"共{len(w.list_items)}项：完成{done}项，不再实施{waived}项，进行中{open_}项，待同意{proposed}项",
            ),
            ("环境问题排查", f"{ins.count}次，发现问题{ins.problems_found}项"),
            (
                "问题整改",
                f"提出{rf.raised}项，销号{rf.closed}项，销号率{L.num(rf.closure_rate, '%')}，"
                f"平均整改用时{L.num(rf.mean_days_to_close, '天')}，"
                f"逾期{rf.overdue}项，重复发生{rf.recurring}项",
            ),
            ("宣传培训", f"{tf.count}次，{tf.attendees}人次"),
            (
                "突发环境事件",
                f"{ef.count}起，按时响应{ef.responded_in_time}起，平均响应"
                f"{L.num(ef.mean_response_minutes, '分钟')}",
            ),
            (
                "满意度",
                f"{len(rec.surveys)}次调查，"
                f"平均{L.num(mean(s.action.score for s in rec.surveys), '分')}",
            ),
            ("阶段性工作报告", f"{len({r.report_no for r in reports_for(facts, period)})}期"),
            ("服务工时", f"{hours}小时（工作日志{len(rec.work_logs)}条）"),
        ]
    )
    overview = Section(key="overview", title="项目概况", blocks=[C.engagement_fields(facts)])
    return rec, [overview], figures


def _rectification_section(facts: EngagementFacts, meta: DocumentMeta, *, full: bool) -> Section:
    period = meta.period  # None: everything recorded, before and after the term too
    rects = [r for r in facts.workflow.rectifications if within(r.raised_on, period)]
    rf = rectification_figures(rects)
    by_key = Counter(r.problem_key for r in rects)
    blocks: list[Block] = [
        Paragraph(
            text=f"服务期间提出整改{rf.raised}项，已销号{rf.closed}项，已整改待验证{rf.rectified_unverified}项，"
            f"整改中{rf.open}项；销号率{L.num(rf.closure_rate, '%')}，平均整改用时"
            f"{L.num(rf.mean_days_to_close, '天')}。"
        ),
        Table(
            headers=["问题类别", "发生次数", "已销号"],
            widths=[5, 2, 2],
            numeric=[1, 2],
            rows=[
                [k, str(n), str(sum(r.problem_key == k and r.closed_on is not None for r in rects))]
                for k, n in by_key.most_common()
            ],
        ),
    ]
    if full and rects:
        blocks.append(C.rectification_table(rects))
    return Section(key="rectifications", title="问题整改成效", blocks=blocks)


def _activity_sections(rec: Records) -> list[Section]:
    tf, ef = training_figures(rec.trainings), emergency_figures(rec.emergencies)
    return [
        Section(
            key="trainings",
            title="宣传培训",
            blocks=[
                Paragraph(
                    text=f"开展培训{tf.count}次，参加{tf.attendees}人次，记录齐全{tf.with_records}次。"
                ),
                C.training_table(rec.trainings),
            ]
            if rec.trainings
            else [Paragraph(text="服务期间未开展培训。")],
        ),
        Section(
            key="emergencies",
            title="突发环境事件应对",
            blocks=[
                Paragraph(
                    text=f"处置突发环境事件{ef.count}起，按约定时限响应{ef.responded_in_time}起，平均响应用时"
                    f"{L.num(ef.mean_response_minutes, '分钟')}，"
                    f"最长{L.num(ef.longest_response_minutes, '分钟')}。"
                ),
                C.emergency_table(rec.emergencies),
            ]
            if rec.emergencies
            else [Paragraph(text="服务期间未发生突发环境事件。")],
        ),
        Section(
            key="satisfaction",
            title="满意度调查",
            blocks=[C.survey_table(rec.surveys)]
            if rec.surveys
            else [C.pending("满意度调查结果（服务期间尚无调查记录）")],
        ),
        Section(key="complaints", title="投诉与行政处罚", blocks=_complaints_penalties(rec)),
    ]


def summary_sections(facts: EngagementFacts, meta: DocumentMeta) -> list[Section]:
    rec, head, figures = _common(facts, meta)
    return [
        *head,
        Section(key="figures", title="主要工作量", blocks=[figures]),
        Section(key="targets", title="服务清单完成情况", blocks=[_targets(facts)]),
        Section(
            key="inspections",
            title="环境问题排查",
            blocks=[
                Paragraph(text=f"共开展巡查{len(rec.inspections)}次，详见成果报告及巡查记录。")
            ],
        ),
        _rectification_section(facts, meta, full=False),
        *_activity_sections(rec),
        Section(key="waived", title="未实施事项及原因", blocks=_waived(facts)),
        Section(
            key="lessons", title="经验与建议", blocks=[C.pending("服务经验、存在不足及后续建议")]
        ),
    ]


def results_sections(facts: EngagementFacts, meta: DocumentMeta) -> list[Section]:
    rec, head, figures = _common(facts, meta)
    reports = reports_for(facts, meta.period)
    return [
        *head,
        Section(key="figures", title="服务成果概览", blocks=[figures]),
        Section(key="targets", title="目标完成情况", blocks=[_targets(facts)]),
        Section(
            key="inspections",
            title="环境问题排查记录",
            blocks=[C.inspection_table(rec.inspections)]
            if rec.inspections
            else [Paragraph(text="服务期间无巡查记录。")],
        ),
        _rectification_section(facts, meta, full=True),
        Section(
            key="stage_reports",
            title="阶段性工作报告",
            blocks=[
                Table(
                    headers=["期号", "版本", "期间", "状态", "委托方意见"],
                    widths=[1.2, 1.2, 4.5, 1.8, 6],
                    numeric=[0, 1],
                    rows=[
                        [
                            str(r.report_no),
                            str(r.version),
                            f"{L.day(r.period_start)} 至 {L.day(r.period_end)}",
                            L.STAGE_REPORT_STATUS[r.status],
                            r.feedback or L.NONE,
                        ]
                        for r in reports
                    ],
                )
            ]
            if reports
            else [Paragraph(text="尚未提交阶段性工作报告。")],
        ),
        *_activity_sections(rec),
        Section(key="waived", title="未实施事项及原因", blocks=_waived(facts)),
        Section(key="conclusion", title="成果结论", blocks=[C.pending("托管服务成效结论")]),
    ]
