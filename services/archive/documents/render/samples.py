"""Realistic facts of one engagement, made up deterministically: what `validate_variant`
compiles a variant against, what the benchmark renders, and what the tests start from.

A chemical plant in Jiangsu under a year's hosting service (2025): a team, a service
list with targets (one item waived with its reason), a plan objected once then
confirmed, Appendix A documents, monthly inspections and stage reports, trainings,
emergencies, surveys, a seminar, rectifications in every state, and a scored C.1.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from contracts.archive.documents import DocumentMeta, DocumentPeriod, EngagementFacts
from contracts.engagement.enums import (
    CatalogueKind,
    ChecklistStatus,
    ListItemStatus,
    PlanStatus,
    RecordKind,
    RectificationStatus,
    ServiceMode,
    Stage,
    StageReportStatus,
    SurveyMethod,
)
from contracts.engagement.event_data import TeamMember
from contracts.engagement.rpc import EngagementView
from contracts.engagement.rpc_directory import AgencyProfile, Outlet, UnitProfile, UnitView
from contracts.engagement.rpc_workflow import (
    CatalogueItemView,
    ChecklistDefinitionItem,
    ChecklistItemView,
    ListItemView,
    PlanVersionView,
    RecordView,
    RectificationView,
    StageReportView,
    TeamMemberView,
    WorkflowView,
)
from contracts.evaluation.enums import Grade, PartKind, ScorecardStatus
from contracts.evaluation.rpc import (
    ItemResultView,
    ItemScoreView,
    ScorecardView,
    TemplateDefinition,
    TemplateItem,
    TemplatePart,
)

YEAR = 2025
START, END = date(YEAR, 1, 1), date(YEAR, 12, 31)


def _uuid(rng: random.Random) -> UUID:
    return UUID(int=rng.getrandbits(128), version=4)


def _at(d: date, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(d.year, d.month, d.day, hour, minute, tzinfo=UTC)


CATALOGUE = [
    ("6.1.2.2", "执行报告填报与归档"),
    ("6.1.3.1", "环境问题排查"),
    ("6.1.4.2", "突发环境事件应急处置"),
    ("6.1.5", "环境监测"),
    ("6.1.7.1", "环境管理现状调查报告"),
    ("6.2.5", "环保培训"),
    ("6.2.3.1", "清洁生产审核"),
    ("6.2.7", "环保法律咨询"),
]

CHECKLIST = [
    ("A.1.01", "基本信息", "排污单位名称、法定代表人、地址、地理位置"),
    ("A.1.03", "基本信息", "总平面布置图"),
    ("A.1.05", "基本信息", "雨污管线分布图"),
    ("A.2.01", "生产信息", "主要生产设备设施及主体工艺、生产工艺流程图"),
    ("A.2.02", "生产信息", "主要产品、原辅材料及中间体清单"),
    ("A.2.04", "生产信息", "化学品信息及管理制度和台账"),
    ("A.3.01", "环境管理信息", "环境影响评价有关文件"),
    ("A.3.02", "环境管理信息", "竣工环境保护验收文件"),
    ("A.3.03", "环境管理信息", "排污许可有关文件"),
    ("A.3.05", "环境管理信息", "突发环境事件应急预案"),
]

PROBLEMS = [
    ("废气无组织排放", "VOCs 储罐呼吸阀密封不严，厂界异味明显", "更换呼吸阀密封件并增设集气罩"),
    ("危废贮存不规范", "危险废物贮存间标识不全，台账与实物不符", "补齐标识，按月盘点并更新台账"),
    ("雨污混流", "雨水排口检出 COD 超过 100 mg/L", "排查雨污管网，封堵错接点"),
    ("在线监测异常", "DA001 在线监测数据连续 2 小时缺失", "联系运维单位校准并补报说明"),
    ("应急物资不足", "应急池周边吸附棉、沙袋数量不足", "按应急预案补充物资并建立检查表"),
    ("台账记录缺失", "废水处理设施运行台账 3 月缺 5 天记录", "明确记录责任人，每日复核"),
]

SMALL_C1 = TemplateDefinition(
    code="C.1",
    version=1,
    title_zh="托管服务绩效评价表",
    title_en="Performance evaluation of the hosting service",
    parts=[
        TemplatePart(
            code="一",
            title_zh="日常管理",
            title_en="Daily management",
            kind=PartKind.SCORED,
            max_points=Decimal(10),
            items=[
                TemplateItem(
                    code="一.1",
                    text_zh="按合同协议组建有符合要求的服务团队",
                    text_en="A qualified service team",
                    max_points=Decimal(5),
                ),
                TemplateItem(
                    code="一.2",
                    text_zh="与服务对象建立有日常沟通机制",
                    text_en="A routine communication mechanism",
                    max_points=Decimal(5),
                ),
            ],
        ),
        TemplatePart(
            code="四",
            title_zh="附加考核",
            title_en="Deductions",
            kind=PartKind.DEDUCTION,
            items=[
                TemplateItem(
                    code="四.1",
                    text_zh="无故不履行职责，1次扣10分",
                    text_en="Neglect of duty, 10 points each",
                    deduction_per_occurrence=Decimal(10),
                )
            ],
        ),
    ],
)


def sample_meta(
    period: DocumentPeriod | None = None, number: str = "HBGJ-2025-001"
) -> DocumentMeta:
    return DocumentMeta(
        document_number=number, generated_at=datetime(2026, 1, 10, 2, tzinfo=UTC), period=period
    )


def month_period(month: int) -> DocumentPeriod:
    start = date(YEAR, month, 1)
    end = date(YEAR + month // 12, month % 12 + 1, 1) - timedelta(days=1)
    return DocumentPeriod(start=start, end=end)


def sample_facts(
    *,
    inspections: int = 24,
    rectifications: int = 20,
    seed: int = 7,
    unit_name: str = "江苏绿源精细化工有限公司",
    evaluation_template: TemplateDefinition = SMALL_C1,
) -> EngagementFacts:
    rng = random.Random(seed)
    engagement_id, unit_id, agency_id = _uuid(rng), _uuid(rng), _uuid(rng)
    created = _at(date(2024, 12, 20))
    engagement = EngagementView(
        id=engagement_id,
        unit_id=unit_id,
        agency_id=agency_id,
        service_modes=[ServiceMode.ROVING, ServiceMode.REMOTE_MONITORING],
        period_start=START,
        period_end=END,
        stage=Stage.RESULTS,
        region_code="320581",
        created_at=created,
    )
    unit = UnitView(
        id=unit_id,
        name=unit_name,
        uscc="91320581MA1XXXXX0Y",
        industry_code="C2614",
        address="江苏省苏州市常熟市新材料产业园海旺路 18 号",
        region_code="320581",
        agency_id=agency_id,
        created_at=created,
    )
    profile = UnitProfile(
        legal_representative="王建国",
        latitude=Decimal("31.765432"),
        longitude=Decimal("120.912345"),
        industry_type="有机化学原料制造",
        scale="medium",
        business_term_start=date(2012, 5, 8),
        outlets=[
            Outlet(code="DA001", name="RTO 焚烧炉排气筒"),
            Outlet(code="DA002", name="危废暂存间废气排气筒"),
            Outlet(code="DW001", name="污水总排口"),
        ],
    )
    agency = AgencyProfile(
        id=agency_id,
        name="苏州清和环境科技有限公司",
        uscc="91320594MA1YYYYY1Z",
        qualifications=["环境污染治理设施运营（甲级）"],
    )
    team = [
        TeamMember(
            person_id=_uuid(rng), name="李明", role="项目负责人", qualification="注册环保工程师"
        ),
        TeamMember(
            person_id=_uuid(rng), name="陈静", role="技术负责人", qualification="高级工程师"
        ),
        TeamMember(person_id=_uuid(rng), name="张伟", role="现场工程师", qualification=None),
        TeamMember(
            person_id=_uuid(rng), name="刘洋", role="监测工程师", qualification="监测上岗证"
        ),
    ]
    quantities: dict[str, tuple[int | None, str | None, int]] = {
        "6.1.2.2": (4, "份", 4),
        "6.1.3.1": (inspections, "次", inspections),
        "6.1.4.2": (None, None, 2),
        "6.1.5": (4, "次", 3),
        "6.1.7.1": (1, "份", 1),
        "6.2.5": (6, "次", 6),
        "6.2.3.1": (1, "次", 0),
        "6.2.7": (None, None, 2),
    }
    list_items = []
    for code, name in CATALOGUE:
        qty, unit_of, done = quantities[code]
        waived = code == "6.2.3.1"
        status = (
            ListItemStatus.WAIVED
            if waived
            else (ListItemStatus.OPEN if code == "6.1.5" else ListItemStatus.DONE)
        )
        list_items.append(
            ListItemView(
                id=_uuid(rng),
                catalogue_code=code,
                scope=f"{name}：覆盖全厂生产装置及环保设施",
                expected_effect=f"{name}工作规范开展，问题及时发现和解决",
                target=f"全年完成{qty}{unit_of}" if qty else "按需开展，及时响应",
                contracted_quantity=qty,
                quantity_unit=unit_of,
                due_date=date(YEAR, 12, 15),
                customised=code.startswith("6.2"),
                status=status,
                waived_reason="委托方决定 2026 年结合技改统一开展清洁生产审核" if waived else None,
                done_quantity=done,
                overdue=False,
            )
        )
    plans = [
        PlanVersionView(
            version=1,
            status=PlanStatus.OBJECTED,
            content="托管服务实施方案（第1版）",
            objection_reasons="巡查频次偏低，应急演练安排不明确",
            submitted_at=_at(date(2025, 1, 10)),
            decided_at=_at(date(2025, 1, 14)),
        ),
        PlanVersionView(
            version=2,
            status=PlanStatus.CONFIRMED,
            content=(
                "一、服务目标：全年环境问题排查全覆盖，整改销号率不低于90%。\n"
                "二、工作安排：每月巡查两次，每季度培训一次以上，每季度开展满意度调查。\n"
                "三、保障措施：项目负责人每月向委托方汇报，重大问题24小时内报告。"
            ),
            objection_reasons=None,
            submitted_at=_at(date(2025, 1, 16)),
            decided_at=_at(date(2025, 1, 20)),
        ),
    ]
    checklist = [
        ChecklistItemView(
            code=code,
            status=ChecklistStatus.NOT_APPLICABLE
            if code == "A.3.02"
            else (ChecklistStatus.PENDING if code == "A.1.05" else ChecklistStatus.RECEIVED),
            document_ref=f"ARC-{code}" if code not in ("A.3.02", "A.1.05") else None,
        )
        for code, _, _ in CHECKLIST
    ]

    records: list[RecordView] = []

    def record(kind: RecordKind, on: date, **details: Any) -> UUID:
        rid = _uuid(rng)
        records.append(
            RecordView(
                id=rid,
                kind=kind,
                occurred_on=on,
                details=details,
                recorded_by="li.ming",
                recorded_at=_at(on, 18),
            )
        )
        return rid

    record(
        RecordKind.SITE_SURVEY,
        date(2025, 1, 6),
        surveyed_on="2025-01-06",
        participants=["李明", "陈静", "企业环保专员 周红"],
        findings=(
            "主要产品为增塑剂及其中间体，年产能 3 万吨；废气经 RTO 焚烧后由 DA001 排放，"
            "废水经厂内预处理后接管园区污水处理厂；危废暂存间 1 座，约 120 平方米。\n"
            "发现问题：VOCs 无组织排放控制不足；危废台账不完整；雨污管网图缺失。"
        ),
    )
    record(
        RecordKind.EXPERT_CONSULTATION,
        date(2025, 1, 18),
        held_on="2025-01-18",
        experts=["赵教授", "孙高工"],
        opinions="方案总体可行；建议提高巡查频次，补充应急演练计划。",
        conclusion="修改完善后提交委托方确认。",
        expert_ids=[],
    )
    days = sorted(START + timedelta(days=rng.randrange(20, 360)) for _ in range(inspections))
    for d in days:
        found = rng.choice([0, 1, 1, 2, 3])
        record(
            RecordKind.INSPECTION,
            d,
            performed_on=d.isoformat(),
            problems_found=found,
            rectification_plans=found,
        )
    topics = [
        "新《固体废物污染环境防治法》解读",
        "危险废物规范化管理",
        "突发环境事件应急演练",
        "VOCs 无组织排放控制",
        "排污许可证执行报告填报",
        "员工环保与职业健康知识",
    ]
    for n, topic in enumerate(topics):
        d = date(YEAR, 2 + n * 2 if n < 5 else 12, 12)
        record(
            RecordKind.TRAINING,
            d,
            topic=topic,
            held_on=d.isoformat(),
            attendees=20 + 7 * n,
            has_records=n != 3,
        )
    for d, late in ((date(2025, 4, 3), 25), (date(2025, 8, 19), 75)):
        reported = _at(d, 6, 40)
        record(
            RecordKind.EMERGENCY,
            d,
            reported_at=reported.isoformat(),
            responded_at=(reported + timedelta(minutes=late)).isoformat(),
            closed_at=(reported + timedelta(hours=5)).isoformat(),
            contracted_response_minutes=60,
        )
    record(RecordKind.COMPLAINT, date(2025, 6, 2), received_on="2025-06-02", verified=False)
    record(
        RecordKind.PENALTY,
        date(2025, 3, 28),
        decided_on="2025-03-28",
        authority="苏州市常熟生态环境局",
        amount="50000.00",
    )
    for q, score in enumerate(("86.50", "90.00", "92.00", "94.50")):
        d = date(YEAR, 3 * q + 3, 25)
        record(
            RecordKind.SATISFACTION_SURVEY,
            d,
            method=list(SurveyMethod)[q],
            conducted_on=d.isoformat(),
            score=score,
            answers=[{"question": "对服务响应速度是否满意", "answer": "满意"}],
        )
    record(
        RecordKind.TECHNICAL_SEMINAR,
        date(2025, 5, 20),
        held_on="2025-05-20",
        experts=["赵教授"],
        departments=["常熟生态环境局", "园区管委会"],
        problems="雨污混流问题反复出现",
        conclusion="委托有资质单位开展管网排查，6 月底前完成错接改造",
        report_no=4,
        expert_ids=[],
    )
    for m in range(1, 13):
        d = date(YEAR, m, 15)
        record(
            RecordKind.WORK_LOG,
            d,
            person="张伟",
            worked_on=d.isoformat(),
            location="厂区",
            mode=ServiceMode.ROVING,
            activity="现场巡查及台账核查",
            hours="6.5",
            evidence=[],
        )

    stage_reports = []
    for m in range(1, 13):
        p = month_period(m)
        versions = 2 if m == 4 else 1
        for v in range(1, versions + 1):
            objected = m == 4 and v == 1
            stage_reports.append(
                StageReportView(
                    report_no=m,
                    version=v,
                    period_start=p.start,
                    period_end=p.end,
                    problems=f"{YEAR}年{m}月：{PROBLEMS[m % len(PROBLEMS)][1]}",
                    solutions="" if m == 4 and v == 2 else PROBLEMS[m % len(PROBLEMS)][2],
                    status=StageReportStatus.OBJECTED
                    if objected
                    else (StageReportStatus.ACCEPTED if m < 12 else StageReportStatus.SUBMITTED),
                    feedback="雨污混流问题解决方案不具体，请组织技术研讨" if objected else None,
                    submitted_at=_at(p.end + timedelta(days=3 + 20 * (v - 1))),
                    reviewed_at=_at(p.end + timedelta(days=8 + 20 * (v - 1))) if m < 12 else None,
                )
            )

    rects = []
    for n in range(rectifications):
        key, desc, plan = PROBLEMS[n % len(PROBLEMS)]
        raised = START + timedelta(days=15 + (n * 340) // max(rectifications, 1))
        due = raised + timedelta(days=15)
        roll = rng.random()
        state = (
            RectificationStatus.CLOSED
            if roll < 0.8
            else RectificationStatus.RECTIFIED
            if roll < 0.9
            else RectificationStatus.OPEN
        )
        closed = state == RectificationStatus.CLOSED
        closed_on = raised + timedelta(days=rng.randrange(3, 25)) if closed else None
        rects.append(
            RectificationView(
                id=_uuid(rng),
                problem_key=key,
                description=desc,
                plan=plan,
                owner=rng.choice(["周红", "车间主任 吴刚", "设备科 郑磊"]),
                due_date=due,
                status=state,
                raised_on=raised,
                closed_on=closed_on,
                notes=["复查合格，予以销号"] if closed_on else [],
                overdue=state == RectificationStatus.OPEN and due < END,
                recurring=key == "雨污混流" and n > 12,
            )
        )

    workflow = WorkflowView(
        engagement_id=engagement_id,
        contracted_team_size=4,
        team=[TeamMemberView(id=m.person_id, **m.model_dump()) for m in team],
        list_items=list_items,
        plan_versions=plans,
        checklist=checklist,
        records=records,
        stage_reports=stage_reports,
        rectifications=rects,
        contract_signed_on=date(2024, 12, 28),
        handed_over_on=None,
        deliverables=[],
    )
    return EngagementFacts(
        engagement=engagement,
        unit=unit,
        unit_profile=profile,
        agency=agency,
        workflow=workflow,
        scorecards=[_scorecard(rng, engagement, evaluation_template)],
        catalogue=[
            CatalogueItemView(
                code=code,
                parent_code=code.rsplit(".", 1)[0],
                kind=CatalogueKind.CUSTOMISED if code.startswith("6.2") else CatalogueKind.REGULAR,
                name_zh=name,
                name_en=name,
                description="",
                version=1,
            )
            for code, name in CATALOGUE
        ],
        checklist_definition=[
            ChecklistDefinitionItem(code=c, section=s, title_zh=t, title_en=t)
            for c, s, t in CHECKLIST
        ],
        evaluation_templates=[evaluation_template],
    )


def _scorecard(
    rng: random.Random, engagement: EngagementView, template: TemplateDefinition
) -> ScorecardView:
    evaluators = ["评审专家 赵", "评审专家 孙", "委托方代表 周"]
    scores, results = [], []
    scored_total = Decimal(0)
    for part in template.parts:
        if part.kind != PartKind.SCORED:
            continue
        for item in part.items:
            assert item.max_points is not None
            points = []
            for who in evaluators:
                p = max(Decimal(0), item.max_points - Decimal(rng.choice([0, 0, 0, 1])))
                points.append(p)
                scores.append(
                    ItemScoreView(
                        item_code=item.code,
                        evaluator=who,
                        points=p,
                        justification="材料齐全，执行到位"
                        if p == item.max_points
                        else "个别记录不完整",
                        evidence=[],
                        suggested_points=item.max_points,
                        override_reason=None if p == item.max_points else "现场核查发现记录缺失",
                        scored_at=_at(date(2026, 1, 8)),
                    )
                )
            result = (sum(points, Decimal(0)) / len(points)).quantize(Decimal("0.01"))
            scored_total += result
            results.append(
                ItemResultView(
                    item_code=item.code,
                    text_zh=item.text_zh,
                    text_en=item.text_en,
                    max_points=item.max_points,
                    points=result,
                    evaluators=len(evaluators),
                )
            )
    total = scored_total
    grade = (
        Grade.EXCELLENT
        if total >= 90
        else Grade.GOOD
        if total > 70
        else Grade.QUALIFIED
        if total >= 60
        else Grade.UNQUALIFIED
    )
    card = _uuid(rng)
    return ScorecardView(
        id=card,
        series_id=card,
        version=1,
        previous_id=None,
        amendment_reason=None,
        engagement_id=engagement.id,
        unit_id=engagement.unit_id,
        agency_id=engagement.agency_id,
        region_code=engagement.region_code,
        template_id=_uuid(rng),
        template_code=template.code,
        template_version=template.version,
        period_label=str(YEAR),
        period_start=START,
        period_end=END,
        opened_by="zhou.hong",
        opened_at=_at(date(2026, 1, 5)),
        opened_automatically=False,
        status=ScorecardStatus.FINALIZED,
        finalized_at=_at(date(2026, 1, 9)),
        finalized_by="zhou.hong",
        scored_total=scored_total,
        deducted=Decimal(0),
        total=total,
        grade=grade,
        evaluators=evaluators,
        results=results,
        scores=scores,
        deductions=[],
        falsification=None,
    )
