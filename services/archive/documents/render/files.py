"""环境管理档案, 宣传培训记录 and 整改台账 (R4.2.4.2, R4.2.3.1): the records kept
during the service, laid out as files for the unit to keep."""

from __future__ import annotations

from collections import Counter

from contracts.archive.documents import DocumentMeta, EngagementFacts
from contracts.core import Message
from services.archive.documents.render import common as C
from services.archive.documents.render import labels as L
from services.archive.documents.render.figures import rectification_figures, training_figures
from services.archive.documents.render.model import Fields, Paragraph, Section, Table
from services.archive.documents.render.records import read_records, within

FILES_TITLE = "环境管理档案"
TRAINING_TITLE = "宣传培训记录"
LEDGER_TITLE = "整改台账"


def environmental_files(facts: EngagementFacts, meta: DocumentMeta) -> list[Section]:
    period = meta.period  # None: everything recorded
    w = facts.workflow
    rec = read_records(w, period)
    outlets = facts.unit_profile.outlets if facts.unit_profile else []
    rf = rectification_figures(w.rectifications, period)
    hours_by_person = Counter[str]()
    for log in rec.work_logs:
        hours_by_person[log.action.person] += int(log.action.hours * 100)
    return [
        Section(key="unit", title="基本信息", blocks=[C.engagement_fields(facts)]),
        Section(key="documents", title="资料收集清单（附录A）", blocks=[C.checklist_table(facts)]),
        Section(
            key="outlets",
            title="排放口信息",
            blocks=[
                Table(
                    headers=["排放口编号", "名称"],
                    widths=[3, 8],
                    rows=[[o.code, o.name] for o in outlets],
                )
            ]
            if outlets
            else [C.pending("排放口信息（尚未登记）")],
        ),
        Section(
            key="permits",
            title="排污许可与监测",
            blocks=[C.pending("排污许可证信息、自行监测方案及监测结果")],
        ),
        Section(
            key="inspections",
            title="环境问题排查记录",
            blocks=[C.inspection_table(rec.inspections)]
            if rec.inspections
            else [Paragraph(text="无巡查记录。")],
        ),
        Section(
            key="rectifications",
            title="整改情况",
            blocks=[
                Paragraph(
                    text=f"提出整改{rf.raised}项，已销号{rf.closed}项，"
                    f"销号率{L.num(rf.closure_rate, '%')}；"
                    "明细见整改台账。"
                )
            ],
        ),
        Section(
            key="trainings",
            title="宣传培训",
            blocks=[C.training_table(rec.trainings)]
            if rec.trainings
            else [Paragraph(text="无培训记录。")],
        ),
        Section(
            key="emergencies",
            title="突发环境事件",
            blocks=[C.emergency_table(rec.emergencies)]
            if rec.emergencies
            else [Paragraph(text="未发生突发环境事件。")],
        ),
        Section(
            key="work_logs",
            title="工作日志",
            blocks=[
                Table(
                    headers=["日期", "人员", "地点", "服务方式", "工作内容", "工时"],
                    widths=[2.2, 1.6, 2, 2, 6, 1.2],
                    numeric=[5],
                    rows=[
                        [
                            L.day(g.on),
                            g.action.person,
                            g.action.location,
                            L.SERVICE_MODE[g.action.mode],
                            g.action.activity,
                            str(g.action.hours),
                        ]
                        for g in rec.work_logs
                    ],
                )
            ]
            if rec.work_logs
            else [Paragraph(text="无工作日志。")],
        ),
    ]


def missing_training(facts: EngagementFacts, meta: DocumentMeta) -> list[Message]:
    if not read_records(facts.workflow, meta.period).trainings:
        return [Message("a training record needs a training in the period")]
    return []


def training_record(facts: EngagementFacts, meta: DocumentMeta) -> list[Section]:
    rec = read_records(facts.workflow, meta.period)
    tf = training_figures(rec.trainings)
    sections = [
        Section(
            key="summary",
            title="培训概况",
            blocks=[
                Paragraph(
                    text=f"共开展宣传培训{tf.count}次，参加{tf.attendees}人次，"
                    f"签到表、照片或材料齐全{tf.with_records}次。"
                ),
                C.training_table(rec.trainings),
            ],
        )
    ]
    for n, t in enumerate(rec.trainings, 1):
        sections.append(
            Section(
                key=f"training_{n}",
                title=t.action.topic,
                level=2,
                blocks=[
                    Fields(
                        pairs=[
                            ("培训日期", L.day(t.on)),
                            ("参加人数", str(t.action.attendees)),
                            ("记录齐全", L.yes(t.action.has_records)),
                        ]
                    ),
                    C.pending("培训内容摘要、授课人及效果评估")
                    if t.action.has_records
                    else C.pending("补充签到表、照片或培训材料"),
                ],
            )
        )
    return sections


def rectification_ledger(facts: EngagementFacts, meta: DocumentMeta) -> list[Section]:
    period = meta.period  # None: everything recorded
    rects = [r for r in facts.workflow.rectifications if within(r.raised_on, period)]
    rf = rectification_figures(rects)
    return [
        Section(
            key="summary",
            title="整改情况汇总",
            blocks=[
                Fields(
                    pairs=[
                        ("提出整改", f"{rf.raised}项"),
                        ("已销号", f"{rf.closed}项"),
                        ("已整改待验证", f"{rf.rectified_unverified}项"),
                        ("整改中", f"{rf.open}项（逾期{rf.overdue}项）"),
                        ("重复发生", f"{rf.recurring}项"),
                        ("销号率", L.num(rf.closure_rate, "%")),
                        ("平均整改用时", L.num(rf.mean_days_to_close, "天")),
                    ]
                )
            ],
        ),
        Section(
            key="ledger",
            title="整改明细",
            blocks=[C.rectification_table(rects, full=True)]
            if rects
            else [Paragraph(text="期间内未提出整改事项。")],
        ),
    ]
