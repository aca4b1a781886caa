"""DOCX for authors: the same document model as the PDF, written with python-docx as
Word's own structure — Heading 1/2 styles (so Word's navigation pane and table of
contents work), real tables in the built-in "Table Grid" style with their header row
marked to repeat on each page, and parts left to the author highlighted 待填写.

Word does not embed our font, so text asks for 宋体 (body) and 黑体 (headings), which
every Chinese Word installation has; the PDF is the record, the DOCX is for editing.
"""

from __future__ import annotations

from io import BytesIO
from typing import cast

from docx import Document as new_docx
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_COLOR_INDEX
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Emu, Pt, RGBColor
from docx.styles.style import ParagraphStyle
from docx.table import Table as DocxTable
from docx.text.run import Run

from services.archive.documents.render.model import (
    Block,
    Bullets,
    Cell,
    Document,
    Fields,
    Paragraph,
    Pending,
    Table,
)

BODY_FONT, HEADING_FONT = "宋体", "黑体"
PENDING_COLOUR = RGBColor(0xB0, 0x00, 0x20)


def _east_asian(style_or_run: ParagraphStyle | Run, name: str) -> None:
    """Word picks the Chinese font from rFonts/@w:eastAsia, not from font.name."""
    element = style_or_run.element
    rpr = element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.append(fonts)
    fonts.set(qn("w:eastAsia"), name)


def _styles(doc: DocxDocument) -> None:
    normal = doc.styles["Normal"]
    assert isinstance(normal, ParagraphStyle)
    normal.font.size = Pt(10.5)
    _east_asian(normal, BODY_FONT)
    for level in (1, 2):
        style = doc.styles[f"Heading {level}"]
        assert isinstance(style, ParagraphStyle)
        _east_asian(style, HEADING_FONT)
        style.font.size = Pt(16 if level == 1 else 13)


def _repeat_header(row_element: object) -> None:
    tr_pr = row_element.get_or_add_trPr()  # type: ignore[attr-defined]
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    tr_pr.append(header)


def _usable_width(doc: DocxDocument) -> int:
    section = doc.sections[-1]
    width = (section.page_width or 0) - (section.left_margin or 0) - (section.right_margin or 0)
    return int(width)


def _set_widths(table: DocxTable, widths: list[float], total: int) -> None:
    """Column widths in the model's proportions (Word otherwise splits them evenly)."""
    table.autofit = False
    share = sum(widths) or 1.0
    emus = [Emu(int(total * w / share)) for w in widths]
    for column, emu in zip(table.columns, emus, strict=False):
        column.width = emu
    for row in table.rows:
        for cell, emu in zip(row.cells, emus, strict=False):
            cell.width = emu


def _table(doc: DocxDocument, block: Table) -> DocxTable:
    columns = len(block.headers)
    table = doc.add_table(rows=1, cols=columns)
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, title in zip(table.rows[0].cells, block.headers, strict=True):
        cell.text = ""
        cell.paragraphs[0].add_run(title).bold = True
    _repeat_header(table.rows[0]._tr)
    # Spanning cells are placed like Typst places them: each cell takes the next free
    # slot of its row, skipping slots covered by a rowspan from above.
    covered: set[tuple[int, int]] = set()
    merges: list[tuple[int, int, int]] = []
    for r, row in enumerate(block.rows, start=1):
        cells = table.add_row().cells
        col = 0
        for value in row:
            while (r, col) in covered:
                col += 1
            if col >= columns:
                break
            spec = value if isinstance(value, Cell) else Cell(text=value)
            target = cells[col]
            run = target.paragraphs[0].add_run(spec.text)
            run.bold = spec.strong
            if col in block.numeric:
                target.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
            for dr in range(spec.rowspan):
                for dc in range(spec.colspan):
                    covered.add((r + dr, col + dc))
            if spec.colspan > 1:
                target.merge(cells[min(col + spec.colspan, columns) - 1])
            if spec.rowspan > 1:
                merges.append((r, col, spec.rowspan))
            col += spec.colspan
    _set_widths(table, block.widths, _usable_width(doc))
    for r, col, rowspan in merges:
        last = min(r + rowspan - 1, len(table.rows) - 1)
        table.cell(r, col).merge(table.cell(last, col))
    return cast(DocxTable, table)


def _block(doc: DocxDocument, block: Block) -> None:
    if isinstance(block, Paragraph):
        p = doc.add_paragraph(block.text)
        p.paragraph_format.first_line_indent = Pt(21)
    elif isinstance(block, Pending):
        run = doc.add_paragraph().add_run(block.text)
        run.font.color.rgb = PENDING_COLOUR
        run.font.highlight_color = WD_COLOR_INDEX.YELLOW
    elif isinstance(block, Fields):
        table = doc.add_table(rows=0, cols=2)
        table.style = doc.styles["Table Grid"]
        for label, value in block.pairs:
            cells = table.add_row().cells
            cells[0].paragraphs[0].add_run(label).bold = True
            cells[1].text = value
        _set_widths(table, [1, 3], _usable_width(doc))
        doc.add_paragraph()
    elif isinstance(block, Bullets):
        for item in block.items:
            doc.add_paragraph(item, style="List Bullet")
    elif isinstance(block, Table):
        _table(doc, block)
        if block.caption:
            doc.add_paragraph(block.caption).alignment = WD_ALIGN_PARAGRAPH.CENTER
        doc.add_paragraph()


def _cover(doc: DocxDocument, document: Document, logo: bytes | None) -> None:
    c = document.cover
    if logo:
        doc.add_picture(BytesIO(logo), height=Cm(1.6))
    if document.letterhead:
        doc.add_paragraph(document.letterhead).alignment = WD_ALIGN_PARAGRAPH.CENTER
    spacer = 3 if document.landscape else 6  # the cover stays one page
    for _ in range(spacer):
        doc.add_paragraph()
    title = doc.add_paragraph(style="Title")
    title.add_run(c.title)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if c.subtitle:
        doc.add_paragraph(c.subtitle).alignment = WD_ALIGN_PARAGRAPH.CENTER
    for _ in range(spacer):
        doc.add_paragraph()
    for label, value in (
        ("排污单位", c.unit),
        ("服务单位", c.agency),
        ("报告期间", c.period),
        ("文件编号", c.document_number),
        ("编制日期", c.date),
    ):
        p = doc.add_paragraph()
        p.paragraph_format.left_indent = Cm(3)
        p.add_run(f"{label}：").bold = True
        p.add_run(value)
    doc.add_paragraph(c.template).alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _page_number(doc: DocxDocument, line: str) -> None:
    """A PAGE field in the footer: Word fills the number in."""
    footer = doc.sections[0].footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if line:
        footer.add_run(line).add_break()
    footer.add_run("第 ")
    run = footer.add_run()
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._r.append(char)
        else:
            instr = OxmlElement("w:instrText")
            instr.text = text
            run._r.append(instr)
    footer.add_run(" 页")


def write_docx(document: Document, logo: bytes | None = None) -> bytes:
    doc = new_docx()
    _styles(doc)
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    if document.landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = section.page_height, section.page_width
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Cm(2))
    header = section.header.paragraphs[0]
    header.text = (
        f"{document.letterhead}  {document.cover.title} · {document.cover.document_number}"
    )
    _page_number(doc, document.footer)
    _cover(doc, document, logo)
    numbers = [0, 0]
    for s in document.sections:
        if s.level == 1:
            numbers = [numbers[0] + 1, 0]
            label = f"{numbers[0]} {s.title}"
        else:
            numbers[1] += 1
            label = f"{numbers[0]}.{numbers[1]} {s.title}"
        doc.add_heading(label, level=min(s.level, 2))
        for block in s.blocks:
            _block(doc, block)
    out = BytesIO()
    doc.save(out)
    return out.getvalue()
