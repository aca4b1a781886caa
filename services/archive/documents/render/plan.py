"""实施方案 (R4.2.2.3): the plan as confirmed (or drafted) from the service list with
targets and time nodes, the team, the site survey's findings and the Appendix A
documents collected, with the plan's history of objections and expert opinions."""

from __future__ import annotations

from contracts.archive.documents import DocumentMeta, EngagementFacts
from contracts.core import Message
from contracts.engagement.enums import PlanStatus
from services.archive.documents.render import common as C
from services.archive.documents.render import labels as L
from services.archive.documents.render.model import Block, Paragraph, Section, Table
from services.archive.documents.render.records import read_records

TITLE = "托管服务实施方案"


def missing(facts: EngagementFacts, meta: DocumentMeta) -> list[Message]:
    if not facts.workflow.list_items:
        return [Message("a plan needs the service list items")]
    return []


def sections(facts: EngagementFacts, meta: DocumentMeta) -> list[Section]:
    w = facts.workflow
    rec = read_records(w)
    names = C.catalogue_names(facts)
    items = sorted(w.list_items, key=lambda i: i.catalogue_code)
    plan = C.latest_plan(facts)
    team_note = (
        f"合同约定团队{w.contracted_team_size}人，实际组建{len(w.team)}人。"
        if w.contracted_team_size
        else f"服务团队{len(w.team)}人。"
    )
    content: list[Block] = (
        [
            Paragraph(text=f"当前为第{plan.version}版，状态：{L.PLAN_STATUS[plan.status]}。"),
            *C.paragraphs(plan.content),
        ]
        if plan
        else [C.pending("实施方案正文（尚未起草）")]
    )
    history = [p for p in w.plan_versions if p.status == PlanStatus.OBJECTED]
    return [
        Section(key="overview", title="项目概况", blocks=[C.engagement_fields(facts)]),
        Section(key="survey", title="现场调查情况", blocks=C.site_survey_blocks(rec.site_surveys)),
        Section(
            key="list",
            title="托管服务清单及目标",
            blocks=[
                Table(
                    headers=[
                        "编号",
                        "服务内容",
                        "服务范围",
                        "预期效果",
                        "量化目标",
                        "约定数量",
                        "定制",
                    ],
                    widths=[1.6, 2.6, 3.5, 3.5, 2.6, 1.6, 1.0],
                    rows=[
                        [
                            i.catalogue_code,
                            names.get(i.catalogue_code, i.catalogue_code),
                            i.scope,
                            i.expected_effect or L.NONE,
                            i.target or L.NONE,
                            C.quantity(i.contracted_quantity, i.quantity_unit),
                            L.yes(i.customised),
                        ]
                        for i in items
                    ],
                )
            ],
        ),
        Section(
            key="team",
            title="服务团队",
            blocks=[
                Paragraph(text=team_note),
                Table(
                    headers=["序号", "姓名", "岗位", "资质"],
                    widths=[1, 2.5, 3, 4],
                    numeric=[0],
                    rows=[
                        [str(n), m.name, m.role, m.qualification or L.NONE]
                        for n, m in enumerate(w.team, 1)
                    ],
                ),
            ]
            if w.team
            else [C.pending("服务团队组成（尚未组建）")],
        ),
        Section(key="content", title="实施方案内容", blocks=content),
        Section(
            key="schedule",
            title="进度安排（时间节点）",
            blocks=[
                Table(
                    headers=["时间节点", "编号", "服务内容", "状态"],
                    widths=[2.5, 1.8, 5, 2],
                    rows=[
                        [
                            L.day(i.due_date),
                            i.catalogue_code,
                            names.get(i.catalogue_code, i.catalogue_code),
                            L.LIST_ITEM_STATUS[i.status],
                        ]
                        for i in sorted(items, key=lambda i: (i.due_date is None, i.due_date))
                    ],
                )
            ],
        ),
        Section(key="documents", title="资料收集情况（附录A）", blocks=[C.checklist_table(facts)]),
        Section(
            key="consultation",
            title="方案论证及委托方意见",
            blocks=[
                *(
                    [
                        Table(
                            headers=["日期", "专家", "咨询意见", "结论"],
                            widths=[2.2, 2.5, 6, 4],
                            rows=[
                                [
                                    L.day(c.on),
                                    "、".join(c.action.experts),
                                    c.action.opinions,
                                    c.action.conclusion,
                                ]
                                for c in rec.consultations
                            ],
                        )
                    ]
                    if rec.consultations
                    else [Paragraph(text="尚未召开专家咨询会。")]
                ),
                *(
                    [
                        Table(
                            headers=["版本", "委托方异议"],
                            widths=[1.5, 10],
                            rows=[
                                [f"第{p.version}版", p.objection_reasons or L.NONE] for p in history
                            ],
                        )
                    ]
                    if history
                    else []
                ),
            ],
        ),
        Section(
            key="safeguards",
            title="保障措施",
            blocks=[C.pending("质量控制、沟通机制与应急保障措施")],
        ),
    ]
