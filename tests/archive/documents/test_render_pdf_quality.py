"""What makes a PDF fit for the record: fonts embedded and subset (no Type 3, no
missing glyphs), regular and bold really in their weights, user text inert, tables
that run across pages repeat their header, and parts the data cannot fill marked."""

from __future__ import annotations

import pymupdf
import pytest

from contracts.archive.documents import DocumentFormat, DocumentKind
from contracts.core import Message
from services.archive.documents.render import (
    DocumentNotRenderable,
    missing_data,
    render_document,
)
from services.archive.documents.render.model import Cover, Document, Paragraph, Section
from services.archive.documents.render.typst_pdf import TEMPLATES, compile_pdf
from tests.archive.documents.docx_read import read_docx
from tests.archive.documents.factory import (
    HOSTILE,
    bare_facts,
    facts,
    meta,
    month_period,
    year_facts,
)
from tests.archive.documents.pdf import read_pdf, squeeze

PDF, DOCX = DocumentFormat.PDF, DocumentFormat.DOCX


@pytest.mark.parametrize("kind", list(DocumentKind))
def test_R4_2_4_2_fonts_embedded_subset_no_type3_no_missing_glyphs(kind):
    period = month_period(4) if kind == DocumentKind.STAGE_REPORT else None
    pdf = read_pdf(render_document(kind, PDF, facts(), meta(period)).content)
    assert pdf.fonts
    for ext, ftype, name in pdf.fonts:
        assert ftype != "Type3"
        assert ext in ("ttf", "cff", "otf"), (ext, name)  # an embedded font program
        assert "+" in name  # subset tag, e.g. ABCDEF+NotoSansSC-…
    assert pdf.notdef == 0


def _ink(content: bytes, clip_text: str) -> float:
    """Share of dark pixels in the box of the first line holding `clip_text`."""
    page = pymupdf.open(stream=content, filetype="pdf")[-1]
    box = page.search_for(clip_text)[0]
    pix = page.get_pixmap(dpi=300, clip=box, colorspace=pymupdf.csGRAY)
    dark = sum(1 for b in pix.samples if b < 128)
    return float(dark / (pix.width * pix.height))


def test_R4_2_4_2_regular_and_bold_come_out_in_their_weights():
    """The variable Noto Sans SC is embedded under its default instance's name
    (NotoSansSC-Thin); what matters is the ink: bold text is much darker than regular,
    and regular is not thin."""
    line = "环保管家服务报告环保管家服务报告"
    doc = Document(
        kind="stage_report",
        cover=Cover(
            title="字重",
            unit="u",
            agency="a",
            period="p",
            document_number="n",
            date="d",
            template="t",
        ),
        sections=[
            Section(key="a", title="字重检查", blocks=[Paragraph(text="常规" + line)]),
        ],
        outline=False,
    )
    regular = compile_pdf(doc, TEMPLATES / "stage_report/v1/main.typ")
    bold_doc = doc.model_copy(
        update={"sections": [Section(key="a", title="粗体" + line, blocks=[])]}
    )
    bold = compile_pdf(bold_doc, TEMPLATES / "stage_report/v1/main.typ")
    regular_ink, bold_ink = _ink(regular, "常规环保"), _ink(bold, "粗体环保")
    assert regular_ink > 0.2  # measured: Thin (wght 100) 0.12, Regular 0.28, Bold 0.43
    assert bold_ink > regular_ink * 1.3


def test_R4_2_4_2_user_text_stays_inert_text_in_pdf_and_docx():
    f = facts(unit_name="绿源" + HOSTILE)
    survey = f.workflow.records[0]
    findings = HOSTILE + "\n第二段 ] ) } #}"
    f = f.model_copy(
        update={
            "workflow": f.workflow.model_copy(
                update={
                    "records": [
                        survey.model_copy(
                            update={"details": {**survey.details, "findings": findings}}
                        ),
                        *f.workflow.records[1:],
                    ]
                }
            )
        }
    )
    for kind in (DocumentKind.STATUS_INVESTIGATION, DocumentKind.IMPLEMENTATION_PLAN):
        pdf = read_pdf(render_document(kind, PDF, f, meta()).content)
        assert squeeze("绿源" + HOSTILE) in pdf.pages[0]
        assert squeeze(HOSTILE) in pdf.text
        assert squeeze("第二段 ] ) } #}") in pdf.text
        word = read_docx(render_document(kind, DOCX, f, meta()).content)
        assert "绿源" + HOSTILE in word.text
        assert "第二段 ] ) } #}" in word.text


def test_R4_2_4_2_tables_across_pages_repeat_their_header():
    """The year's results report: 200 inspections run over several pages, and every
    page that carries inspection rows starts them with the table's header."""
    content = render_document(DocumentKind.RESULTS_REPORT, PDF, year_facts(), meta()).content
    doc = pymupdf.open(stream=content, filetype="pdf")
    with_rows = []
    for n, page in enumerate(doc):
        text = page.get_text()
        if "已制定整改方案（项）" in text:
            with_rows.append(n)
    assert len(with_rows) >= 3
    assert with_rows == list(range(with_rows[0], with_rows[0] + len(with_rows)))
    # the last inspection row (序号 200) is on the last of those pages
    assert "\n200\n" in doc[with_rows[-1]].get_text()


def test_R4_2_4_2_sections_without_data_are_marked_for_the_author():
    f = bare_facts()
    pdf = read_pdf(render_document(DocumentKind.ENVIRONMENTAL_FILES, PDF, f, meta()).content)
    assert "待填写：排放口信息（尚未登记）" in pdf.text
    report = read_pdf(
        render_document(DocumentKind.STAGE_REPORT, PDF, f, meta(month_period(2))).content
    )
    assert "待填写：本期存在的问题及解决方案（尚未提交阶段性工作报告）" in report.text
    assert "本期无巡查记录。" in report.text
    assert "（服务单位未登记）" in report.pages[0]


def test_R4_2_4_2_missing_data_names_what_each_document_lacks():
    f = bare_facts()
    assert missing_data(DocumentKind.STAGE_REPORT, facts(), meta()) == [
        Message("a stage report needs a period")
    ]
    assert missing_data(DocumentKind.IMPLEMENTATION_PLAN, f, meta()) == [
        Message("a plan needs the service list items")
    ]
    assert missing_data(DocumentKind.RESULTS_REPORT, f, meta()) == [
        Message("summary and results reports need the service list")
    ]
    assert missing_data(DocumentKind.STATUS_INVESTIGATION, f, meta()) == [
        Message("a status investigation needs a site survey record")
    ]
    assert missing_data(DocumentKind.EVALUATION_TABLE, f, meta()) == [
        Message("the C.1 table needs a scorecard")
    ]
    assert missing_data(DocumentKind.TRAINING_RECORD, facts(), meta(month_period(1))) == [
        Message("a training record needs a training in the period")
    ]
    assert missing_data(DocumentKind.RECTIFICATION_LEDGER, f, meta()) == []
    assert missing_data(DocumentKind.ENVIRONMENTAL_FILES, f, meta()) == []
    with pytest.raises(DocumentNotRenderable) as raised:
        render_document(DocumentKind.STAGE_REPORT, PDF, facts(), meta())
    assert raised.value.problems == ["a stage report needs a period"]
    with pytest.raises(DocumentNotRenderable) as raised:
        render_document(DocumentKind.STAGE_REPORT, DocumentFormat.XLSX, facts(), meta())
    assert raised.value.problems == [
        "a stage report needs a period",
        "stage_report 不以 xlsx 格式生成 / stage_report is not rendered as xlsx",
    ]
