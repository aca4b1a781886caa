"""An agency's template variant: validated before use (every placeholder known, every
section key real, the logo an image, the Typst compiling), then rendered the same way
in PDF and DOCX."""

from __future__ import annotations

from io import BytesIO

import docx
import pymupdf

from contracts.archive.documents import DocumentFormat, DocumentKind
from services.archive.documents.render import (
    ExtraSection,
    TemplateVariant,
    render_document,
    validate_variant,
    variant_from_definition,
)
from services.archive.documents.render.variant import KNOWN_PLACEHOLDERS, placeholder_values
from tests.archive.documents.docx_read import read_docx
from tests.archive.documents.factory import facts, meta, month_period
from tests.archive.documents.pdf import read_pdf


def _png() -> bytes:
    pix = pymupdf.Pixmap(pymupdf.csRGB, pymupdf.IRect(0, 0, 40, 20), False)
    pix.set_rect(pix.irect, (31, 78, 121))
    return bytes(pix.tobytes("png"))


def variant(**changes) -> TemplateVariant:
    base = TemplateVariant(
        name="清和标准版",
        kind=DocumentKind.STAGE_REPORT,
        letterhead="苏州清和环境科技 · {unit.name}",
        logo=_png(),
        extra_sections=[
            ExtraSection(
                title="服务承诺",
                body="我公司对{unit.name}的服务质量负责。{{不是占位符}}",
                after="overview",
            )
        ],
        section_titles={"next": "下月工作计划"},
    )
    return base.model_copy(update=changes)


def test_R4_2_3_2_valid_variant_passes_and_renders_in_both_formats():
    v = variant()
    assert validate_variant(v) == []
    f, m = facts(), meta(month_period(4))
    pdf = read_pdf(render_document(DocumentKind.STAGE_REPORT, DocumentFormat.PDF, f, m, v).content)
    word_bytes = render_document(DocumentKind.STAGE_REPORT, DocumentFormat.DOCX, f, m, v).content
    word = read_docx(word_bytes)
    for text in (pdf.text, word.text.replace(" ", "")):
        assert f"我公司对{f.unit.name}的服务质量负责。{{不是占位符}}" in text
        assert "下月工作计划" in text
    assert [t for _, t in word.headings][:2] == ["1 工作概述", "2 服务承诺"]
    assert f"苏州清和环境科技·{f.unit.name}" in pdf.pages[1]
    assert "清和标准版" in pdf.pages[0]
    doc = pymupdf.open(
        stream=render_document(DocumentKind.STAGE_REPORT, DocumentFormat.PDF, f, m, v).content,
        filetype="pdf",
    )
    assert doc[0].get_images()  # the logo on the cover
    assert docx.Document(BytesIO(word_bytes)).inline_shapes  # and in Word


def test_R4_2_3_2_variant_with_an_unknown_placeholder_is_rejected():
    v = variant(letterhead="{unit.nmae}", extra_sections=[ExtraSection(title="{agency}", body="x")])
    assert validate_variant(v) == [
        "未知占位符 {unit.nmae}（letterhead）/ unknown placeholder {unit.nmae} in letterhead",
        "未知占位符 {agency}（extra_sections[1].title）/ unknown placeholder {agency} in "
        "extra_sections[1].title",
    ]


def test_R4_2_3_2_variant_naming_unknown_sections_bad_logo_or_version_is_rejected():
    v = variant(
        section_titles={"nope": "x"},
        extra_sections=[ExtraSection(title="t", body="b", after="missing")],
        logo=b"GIF89a....",
        base_version=9,
    )
    assert validate_variant(v) == [
        "stage_report 没有第9版模板 / no template version 9 of stage_report",
        "标志须为 PNG 或 JPEG 图片 / the logo must be a PNG or JPEG image",
        "未知章节 nope / unknown section nope",
        "未知章节 missing（extra section after）/ unknown section missing",
    ]


def test_R4_2_3_2_variant_typst_that_does_not_compile_is_rejected_with_typst_diagnostic():
    problems = validate_variant(variant(typst_main="#let data = json(bytes(sys.inputs.data))\n#("))
    assert len(problems) == 1
    assert problems[0].startswith(
        "模板无法编译 / the template does not compile: unclosed delimiter"
    )
    assert "/stage_report/v1/main.typ" in problems[0]


def test_R4_2_3_2_variant_own_typst_reads_the_same_data_and_cannot_read_outside_its_root():
    own = (
        '#import "../../_lib/v1/report.typ": report, render-sections\n'
        "#let data = json(bytes(sys.inputs.data))\n"
        "#show: report.with(data)\n"
        "本机构定制版式\n"
        "#render-sections(data.sections)\n"
    )
    v = variant(typst_main=own)
    assert validate_variant(v) == []
    pdf = read_pdf(
        render_document(
            DocumentKind.STAGE_REPORT, DocumentFormat.PDF, facts(), meta(month_period(4)), v
        ).content
    )
    assert "本机构定制版式" in pdf.text
    escape = variant(typst_main='#read("/../../../etc/passwd")')
    [problem] = validate_variant(escape)
    assert "模板无法编译" in problem


def test_R4_2_3_2_every_known_placeholder_has_a_value():
    values = placeholder_values(facts(), meta(month_period(4)))
    assert set(values) == KNOWN_PLACEHOLDERS
    assert values["period"] == "2025年4月1日至2025年4月30日"
    assert values["unit.name"] == "江苏绿源精细化工有限公司"


def test_R4_2_3_2_the_pipelines_stored_definition_renders_as_a_variant():
    """The archive stores a variant as {letterhead, footer, extra_sections[heading, body]}
    with `{{ name }}` placeholders (services/archive/documents/rendering.py)."""
    definition = {
        "letterhead": "绿源环保科技 · {{ unit_name }}",
        "footer": "{{document_number}} · 内部资料 {不是占位符}",
        "extra_sections": [
            {"heading": "服务承诺", "body": "对{{ unit_name }}负责（{{ period }}）"}
        ],
    }
    v = variant_from_definition(DocumentKind.STAGE_REPORT, "机构版", 2, definition)
    assert (v.name, v.letterhead) == ("机构版 v2", "绿源环保科技 · {unit.name}")
    assert v.footer == "{document_number} · 内部资料 {{不是占位符}}"
    assert validate_variant(v) == []
    f, m = facts(), meta(month_period(4))
    pdf = read_pdf(render_document(DocumentKind.STAGE_REPORT, DocumentFormat.PDF, f, m, v).content)
    assert f"绿源环保科技·{f.unit.name}" in pdf.pages[1]
    assert "HBGJ-2025-001·内部资料{不是占位符}第1页" in pdf.pages[1]
    assert f"对{f.unit.name}负责（2025年4月1日至2025年4月30日）" in pdf.text
    word = read_docx(
        render_document(DocumentKind.STAGE_REPORT, DocumentFormat.DOCX, f, m, v).content
    )
    assert word.headings[-1] == ("Heading 1", "11 服务承诺")  # appended, as the pipeline says
