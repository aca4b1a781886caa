"""现状调查报告 (R6.1.7.1) in the outline of Appendix B (图B.1): unit profile, basis,
production and pollutant generation, facilities and outlets (HJ 608), management
status against Appendix A, problems found, recommendations and plan, attachments.
What the records cannot tell (the legal basis, process descriptions) is left marked
待填写 for the author."""

from __future__ import annotations

from collections import Counter

from contracts.archive.documents import DocumentMeta, EngagementFacts
from contracts.core import Message
from contracts.engagement.enums import ChecklistStatus
from services.archive.documents.render import common as C
from services.archive.documents.render import labels as L
from services.archive.documents.render.model import Block, Fields, Paragraph, Section, Table
from services.archive.documents.render.records import read_records

TITLE = "环境管理现状调查报告"
OUTLET_TYPE = {"DA": "废气排放口", "DW": "废水排放口"}


def missing(facts: EngagementFacts, meta: DocumentMeta) -> list[Message]:
    if not read_records(facts.workflow).site_surveys:
        return [Message("a status investigation needs a site survey record")]
    return []


def _profile(facts: EngagementFacts) -> list[Block]:
    u, p = facts.unit, facts.unit_profile
    pairs = [
        ("排污单位名称", u.name),
        ("统一社会信用代码", u.uscc),
        ("地址", u.address),
        ("行业代码", u.industry_code),
    ]
    if p is None:
        return [
            Fields(pairs=pairs),
            C.pending("法定代表人、地理位置、行业类型、规模、营业期限（表A.1基本信息）"),
        ]
    term = (
        f"{L.day(p.business_term_start)} 至 "
        f"{L.day(p.business_term_end) if p.business_term_end else '长期'}"
        if p.business_term_start
        else L.NONE
    )
    where = f"北纬 {p.latitude}°，东经 {p.longitude}°" if p.latitude and p.longitude else L.NONE
    pairs += [
        ("法定代表人", p.legal_representative or L.NONE),
        ("地理位置", where),
        ("行业类型", p.industry_type or L.NONE),
        ("规模", L.SCALE[p.scale] if p.scale else L.NONE),
        ("营业期限", term),
    ]
    return [Fields(pairs=pairs)]


def sections(facts: EngagementFacts, meta: DocumentMeta) -> list[Section]:
    w = facts.workflow
    rec = read_records(w)
    outlets = facts.unit_profile.outlets if facts.unit_profile else []
    problems = Counter(r.problem_key for r in w.rectifications)
    plans: dict[str, str] = {}
    for r in sorted(w.rectifications, key=lambda r: r.raised_on):
        plans.setdefault(r.problem_key, r.plan)
    received = [c for c in w.checklist if c.status == ChecklistStatus.RECEIVED]
    n_na = sum(c.status == ChecklistStatus.NOT_APPLICABLE for c in w.checklist)
    titles = {d.code: d.title_zh for d in facts.checklist_definition}
    return [
        Section(key="unit", title="排污单位概况", blocks=_profile(facts)),
        Section(
            key="basis",
            title="编制依据",
            blocks=[C.pending("适用的法律法规、标准规范及排污许可证（编号、类别、有效期）")],
        ),
        Section(
            key="production",
            title="生产及污染物产生情况",
            blocks=[
                *C.site_survey_blocks(rec.site_surveys),
                C.pending("主要产品与产能、原辅材料、生产工艺流程及产污环节"),
            ],
        ),
        Section(
            key="facilities",
            title="污染治理设施及排放口",
            blocks=[
                Table(
                    headers=["排放口编号（HJ 608）", "名称", "类型"],
                    widths=[3, 6, 3],
                    rows=[[o.code, o.name, OUTLET_TYPE[o.code[:2]]] for o in outlets],
                ),
                C.pending("各排放口对应的治理设施、工艺及运行情况"),
            ]
            if outlets
            else [C.pending("污染治理设施及排放口（单位信息中尚未登记排放口）")],
        ),
        Section(
            key="management",
            title="环境管理现状（附录A）",
            blocks=[
                Paragraph(
                    text=f"表A.1 所列资料共{len(w.checklist)}项，已收集{len(received)}项，"
                    f"不适用{n_na}项，"
                    f"待收集{sum(c.status == ChecklistStatus.PENDING for c in w.checklist)}项。"
                ),
                C.checklist_table(facts),
            ],
        ),
        Section(
            key="problems",
            title="存在的主要环境问题",
            blocks=[
                Table(
                    headers=["问题类别", "发现次数", "典型问题"],
                    widths=[3, 1.6, 8],
                    numeric=[1],
                    rows=[
                        [
                            key,
                            str(n),
                            next(r.description for r in w.rectifications if r.problem_key == key),
                        ]
                        for key, n in problems.most_common()
                    ],
                )
            ]
            if problems
            else [C.pending("现场调查发现的主要环境问题")],
        ),
        Section(
            key="recommendations",
            title="整治建议及实施计划",
            blocks=[
                *(
                    [
                        Table(
                            headers=["问题类别", "整治措施"],
                            widths=[3, 9],
                            rows=[[k, v] for k, v in plans.items()],
                        )
                    ]
                    if plans
                    else []
                ),
                C.pending("环境治理方案：目标、措施、进度安排与投资估算"),
            ],
        ),
        Section(
            key="attachments",
            title="附件",
            blocks=[
                Table(
                    headers=["编号", "资料", "档案编号"],
                    widths=[2, 8, 3],
                    rows=[
                        [c.code, titles.get(c.code, c.code), c.document_ref or L.NONE]
                        for c in received
                    ],
                )
            ]
            if received
            else [Paragraph(text="无。")],
        ),
    ]
