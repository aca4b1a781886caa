"""Each document kind rendered from a realistic engagement: the PDF reads back with
the standard's headings and the numbers computed from the facts, and the DOCX opens
in python-docx with Word headings and tables."""

from __future__ import annotations

from io import BytesIO

import openpyxl
import pytest

from contracts.archive.documents import DocumentFormat, DocumentKind
from services.archive.documents.render import render_document
from tests.archive.documents.docx_read import read_docx
from tests.archive.documents.factory import facts, meta, month_period
from tests.archive.documents.pdf import read_pdf

PDF, DOCX = DocumentFormat.PDF, DocumentFormat.DOCX


def both(kind: DocumentKind, period=None):
    f, m = facts(), meta(period)
    pdf = render_document(kind, PDF, f, m)
    word = render_document(kind, DOCX, f, m)
    assert pdf.media_type == "application/pdf"
    assert word.media_type.endswith("wordprocessingml.document")
    assert pdf.filename == f"{kind.value}-HBGJ-2025-001.pdf"
    assert word.filename == f"{kind.value}-HBGJ-2025-001.docx"
    return f, read_pdf(pdf.content), read_docx(word.content), pdf.page_count


def titles(docx_read) -> list[str]:
    return [text.split(" ", 1)[1] for _, text in docx_read.headings]


def test_R4_2_2_3_plan_from_list_items_team_content_and_time_nodes():
    f, pdf, word, _ = both(DocumentKind.IMPLEMENTATION_PLAN)
    expected = [
        "项目概况",
        "现场调查情况",
        "托管服务清单及目标",
        "服务团队",
        "实施方案内容",
        "进度安排（时间节点）",
        "资料收集情况（附录A）",
        "方案论证及委托方意见",
        "保障措施",
    ]
    assert titles(word) == expected
    assert all(style == "Heading 1" for style, _ in word.headings)
    for title in expected:
        assert title in pdf.text
    assert "托管服务实施方案" in pdf.pages[0]
    # the confirmed version's content, its team against the contract, the objection
    assert "当前为第2版，状态：已确认。" in pdf.text
    assert "合同约定团队4人，实际组建4人。" in pdf.text
    assert "巡查频次偏低，应急演练安排不明确" in pdf.text
    assert "6.1.3.1环境问题排查" in pdf.text
    # list table: header + 8 items
    list_table = next(t for t in word.tables if t[0][:2] == ["编号", "服务内容"])
    assert len(list_table) == 1 + len(f.workflow.list_items)
    assert list_table[2][:2] == ["6.1.3.1", "环境问题排查"]
    assert "待填写：质量控制、沟通机制与应急保障措施" in word.text


def test_R4_2_3_2_stage_report_for_its_period():
    _, pdf, word, pages = both(DocumentKind.STAGE_REPORT, month_period(4))
    assert titles(word) == [
        "工作概述",
        "环境问题排查",
        "问题整改情况",
        "宣传培训",
        "突发环境事件应对",
        "满意度调查",
        "存在问题及解决方案",
        "技术研讨会结论",
        "委托方意见及反馈",
        "下阶段工作计划",
    ]
    text = pdf.text
    assert "2025年4月1日至2025年4月30日" in text
    # April's records only: one inspection, two rectifications (one closed after 18 days),
    # one training, the emergency answered in 25 minutes, the objection and its feedback.
    assert "本期开展巡查1次，发现问题0项，已制定整改方案0项。" in text
    assert "本期提出整改2项，已销号1项" in text
    assert "销号率50.0%，平均整改用时18.0天。" in text
    assert "危险废物规范化管理" in text
    assert "按约定时限响应1起，平均响应用时25.0分钟。" in text
    assert "雨污混流问题解决方案不具体，请组织技术研讨" in text
    assert "第4期第1版" in text
    assert "第4期第2版" in text
    assert "见技术研讨会结论" in text  # v2 took the seminar's conclusion as its solution
    assert "本期未开展满意度调查。" in text
    assert "本期未召开技术研讨会。" in text  # the seminar was held in May
    assert "待填写：下阶段工作安排" in text
    assert pages == len(pdf.pages)


def test_R4_2_4_2_summary_targets_achieved_closure_and_waivers():
    f, pdf, word, _ = both(DocumentKind.IMPLEMENTATION_SUMMARY)
    text = pdf.text
    assert "托管服务实施总结报告" in pdf.pages[0]
    targets = next(t for t in word.tables if t[0][:3] == ["编号", "服务内容", "目标"])
    rows = {r[0]: r for r in targets[1:]}
    assert rows["6.1.5"][3:] == ["4次", "3次", "75.0%", "进行中"]
    assert rows["6.2.3.1"][3:] == ["1次", "0次", "0.0%", "不再实施"]
    assert "委托方决定2026年结合技改统一开展清洁生产审核" in text
    rects = f.workflow.rectifications
    closed = [r for r in rects if r.closed_on]
    rate = f"{round(len(closed) * 100 / len(rects), 1)}%"
    assert f"提出{len(rects)}项，销号{len(closed)}项，销号率{rate}" in text
    assert "处置突发环境事件2起，按约定时限响应1起，平均响应用时50.0分钟，最长75.0分钟。" in text
    assert "4次调查，平均90.8分" in text
    assert (
        "收到服务质量投诉1起，其中查实0起；排污单位受到环保行政处罚1次，罚款合计50000.00元。"
        in text
    )
    assert "待填写：服务经验、存在不足及后续建议" in text


def test_R4_2_4_2_results_report_lists_every_inspection_and_rectification():
    f, pdf, word, _ = both(DocumentKind.RESULTS_REPORT)
    inspections = next(t for t in word.tables if t[0][1] == "排查日期")
    assert len(inspections) == 1 + 24
    ledger = next(t for t in word.tables if t[0][:2] == ["序号", "问题类别"])
    assert len(ledger) == 1 + len(f.workflow.rectifications)
    reports = next(t for t in word.tables if t[0][:2] == ["期号", "版本"])
    assert len(reports) == 1 + 13  # 12 reports, April's twice
    assert "成果结论" in pdf.text


def test_R4_2_4_2_environmental_files_training_record_and_ledger():
    _, files, files_docx, _ = both(DocumentKind.ENVIRONMENTAL_FILES)
    assert "资料收集清单（附录A）" in files.text
    assert "RTO焚烧炉排气筒" in files.text
    assert "待填写：排污许可证信息、自行监测方案及监测结果" in files.text
    logs = next(t for t in files_docx.tables if t[0][0] == "日期" and "工时" in t[0])
    assert len(logs) == 13

    _, training, training_docx, _ = both(DocumentKind.TRAINING_RECORD)
    assert "共开展宣传培训6次，参加225人次，签到表、照片或材料齐全5次。" in training.text
    assert [s for s, _ in training_docx.headings].count("Heading 2") == 6
    assert "待填写：补充签到表、照片或培训材料" in training.text

    f, ledger, ledger_docx, _ = both(DocumentKind.RECTIFICATION_LEDGER)
    table = ledger_docx.tables[-1]
    assert table[0] == [
        "序号", "问题类别", "问题描述", "整改措施", "责任人", "提出日期", "完成时限",
        "状态", "销号日期", "验证记录", "备注",
    ]  # fmt: skip
    assert len(table) == 1 + len(f.workflow.rectifications)
    assert "复查合格，予以销号" in ledger.text


def test_R6_1_7_status_investigation_follows_appendix_b():
    _, pdf, word, _ = both(DocumentKind.STATUS_INVESTIGATION)
    assert titles(word) == [
        "排污单位概况",
        "编制依据",
        "生产及污染物产生情况",
        "污染治理设施及排放口",
        "环境管理现状（附录A）",
        "存在的主要环境问题",
        "整治建议及实施计划",
        "附件",
    ]
    text = pdf.text
    for fact in ("王建国", "北纬31.765432°，东经120.912345°", "DA001", "DW001", "废水排放口"):
        assert fact in text
    assert "表A.1所列资料共10项，已收集8项，不适用1项，待收集1项。" in text
    assert "待填写：适用的法律法规、标准规范及排污许可证（编号、类别、有效期）" in text
    assert "VOCs无组织排放控制不足" in text


def test_R7_1_c1_table_in_the_standards_layout_with_each_evaluators_scores():
    f, pdf, word, _ = both(DocumentKind.EVALUATION_TABLE)
    card = f.scorecards[0]
    table = word.tables[1]
    assert table[0] == ["考核指标", "序号", "考核内容", "分值", *card.evaluators, "得分"]
    # the header, 22 scored items and the 5 deductions of C.1 v1, then total and grade
    assert len(table) == 1 + 22 + 5 + 2
    assert table[1][0] == "一、日常管理（25分）" == table[5][0]  # merged down its items
    assert table[6][0] == "二、履约情况（50分）"
    given = {(s.item_code, s.evaluator): s.points for s in card.scores}
    first = [f"{given[('一.1', e)].normalize():f}" for e in card.evaluators]
    assert table[1][1:4] == [
        "1",
        "按合同协议组建有符合要求的服务团队，配备有符合要求的专业技术人员",
        "5",
    ]
    assert table[1][4:7] == first
    assert table[-2][-1] == f"{card.total.normalize():f}"
    assert table[-1][-1] == card.grade.zh
    assert "每次扣10" in pdf.text
    assert "评分明细" in pdf.text


@pytest.mark.parametrize("kind", list(DocumentKind))
def test_R4_2_4_2_every_kind_renders_both_formats_with_its_cover(kind):
    period = month_period(4) if kind == DocumentKind.STAGE_REPORT else None
    f, pdf, word, pages = both(kind, period)
    cover = pdf.pages[0]
    for value in (f.unit.name, "苏州清和环境科技有限公司", "HBGJ-2025-001", "2026年1月10日"):
        assert value in cover
    assert "第1页/共" in pdf.pages[1]
    assert f"共{pages - 1}页" in pdf.pages[-1]  # the cover is not numbered
    assert word.headings
    assert word.tables


def test_R4_2_3_1_ledger_as_xlsx_with_inert_text_cells():
    f = facts()
    first = f.workflow.rectifications[0]
    hostile = first.model_copy(update={"description": '=HYPERLINK("http://x")', "owner": "@SUM(1)"})
    f = f.model_copy(
        update={
            "workflow": f.workflow.model_copy(
                update={"rectifications": [hostile, *f.workflow.rectifications[1:]]}
            )
        }
    )
    rendered = render_document(DocumentKind.RECTIFICATION_LEDGER, DocumentFormat.XLSX, f, meta())
    assert rendered.filename == "rectification_ledger-HBGJ-2025-001.xlsx"
    assert rendered.template == "rectification_ledger/v1"
    wb = openpyxl.load_workbook(BytesIO(rendered.content))
    assert wb.sheetnames == ["概况", "整改明细"]
    sheet = wb["整改明细"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("序号", "问题类别", "问题描述")
    assert len(rows) == 1 + len(f.workflow.rectifications)
    texts = {c for row in rows for c in row}
    assert '\'=HYPERLINK("http://x")' in texts
    assert "'@SUM(1)" in texts
    assert all(cell.data_type == "s" for row in sheet.iter_rows() for cell in row if cell.value)
    summary = dict(wb["概况"].iter_rows(values_only=True))
    assert summary["排污单位"] == f.unit.name
    assert summary["提出整改"] == f"{len(f.workflow.rectifications)}项"
