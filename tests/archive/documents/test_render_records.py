"""The renderer reads service records as the engagement service writes them, and
every kind either names what it lacks or renders from an engagement with no data."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import uuid4

import pymupdf
import pytest

from contracts.archive.documents import DocumentFormat, DocumentKind
from contracts.core import Contract
from contracts.engagement.actions import (
    LogWork,
    RecordComplaint,
    RecordConsultation,
    RecordEmergency,
    RecordInspection,
    RecordPenalty,
    RecordSeminar,
    RecordSiteSurvey,
    RecordSurvey,
    RecordTraining,
    SurveyAnswer,
)
from contracts.engagement.enums import RecordKind, ServiceMode, SurveyMethod
from contracts.engagement.rpc_workflow import RecordView
from services.archive.documents.render import missing_data, render_document
from services.archive.documents.render.model import Cover, Document, Paragraph, Section
from services.archive.documents.render.records import read_records
from services.archive.documents.render.typst_pdf import TEMPLATES, compile_pdf
from tests.archive.documents.factory import bare_facts, facts, meta, month_period

ON = date(2025, 6, 1)
AT = datetime(2025, 6, 1, 8, tzinfo=UTC)
ACTIONS: dict[RecordKind, Contract] = {
    RecordKind.SITE_SURVEY: RecordSiteSurvey(surveyed_on=ON, participants=["a"], findings="f"),
    RecordKind.EXPERT_CONSULTATION: RecordConsultation(
        held_on=ON, experts=["e"], opinions="o", conclusion="c"
    ),
    RecordKind.INSPECTION: RecordInspection(
        list_item_id=uuid4(), performed_on=ON, problems_found=3, rectification_plans=2
    ),
    RecordKind.TRAINING: RecordTraining(topic="t", held_on=ON, attendees=9, has_records=True),
    RecordKind.EMERGENCY: RecordEmergency(
        reported_at=AT, responded_at=AT, closed_at=AT, contracted_response_minutes=30
    ),
    RecordKind.COMPLAINT: RecordComplaint(received_on=ON, verified=True),
    RecordKind.PENALTY: RecordPenalty(decided_on=ON, authority="局", amount=Decimal("10.50")),
    RecordKind.WORK_LOG: LogWork(
        person="p",
        worked_on=ON,
        location="l",
        mode=ServiceMode.ROVING,
        activity="a",
        hours=Decimal("1.5"),
    ),
    RecordKind.SATISFACTION_SURVEY: RecordSurvey(
        method=SurveyMethod.PHONE,
        conducted_on=ON,
        score=Decimal("88.5"),
        answers=[SurveyAnswer(question="q", answer="a")],
    ),
    RecordKind.TECHNICAL_SEMINAR: RecordSeminar(
        held_on=ON, experts=["e"], departments=["d"], problems="p", conclusion="c"
    ),
}


def test_R4_2_3_2_records_read_back_as_the_engagement_service_writes_them():
    assert set(ACTIONS) == set(RecordKind)
    # services/engagement/workflow/commands/step.py keeps the action's fields as JSON
    # without `action` and `list_item_id`.
    views = [
        RecordView(
            id=uuid4(),
            kind=kind,
            occurred_on=ON,
            details=action.model_dump(mode="json", exclude={"action", "list_item_id"}),
            recorded_by="u",
            recorded_at=AT,
        )
        for kind, action in ACTIONS.items()
    ]
    workflow = facts().workflow.model_copy(update={"records": views})
    rec = read_records(workflow)
    assert rec.unreadable == 0
    assert rec.inspections[0].action.problems_found == 3
    assert rec.penalties[0].action.amount == Decimal("10.50")
    assert rec.surveys[0].action.score == Decimal("88.5")
    assert rec.work_logs[0].action.hours == Decimal("1.5")
    assert [len(getattr(rec, name)) for name in ("site_surveys", "seminars", "emergencies")] == [
        1,
        1,
        1,
    ]
    assert read_records(facts().workflow).unreadable == 0  # the sample engagement too


def test_R4_2_3_2_a_record_of_an_older_shape_is_counted_not_guessed():
    workflow = facts().workflow
    odd = workflow.records[0].model_copy(update={"details": {"unexpected": 1}})
    rec = read_records(workflow.model_copy(update={"records": [odd]}))
    assert (rec.unreadable, rec.site_surveys) == (1, [])


@pytest.mark.parametrize("kind", list(DocumentKind))
@pytest.mark.parametrize("fmt", [DocumentFormat.PDF, DocumentFormat.DOCX])
def test_R4_2_4_2_every_kind_names_what_it_lacks_or_renders_from_no_data(kind, fmt):
    f = bare_facts()
    m = meta(month_period(3))
    if missing_data(kind, f, m):
        return
    rendered = render_document(kind, fmt, f, m)
    assert rendered.content


PUNCTUATION_NOT_AT_LINE_START = "，。、；：？！）」』”"


def test_R4_2_4_2_chinese_lines_break_by_the_rules():
    """No line starts with closing punctuation (禁则): Typst breaks Chinese by its
    rules, not after every character."""
    text = "整改措施落实到位，" * 12 + "发现问题及时上报。" * 12 + "（含台账）、记录；" * 12
    doc = Document(
        kind="stage_report",
        cover=Cover(
            title="断行",
            unit="u",
            agency="a",
            period="p",
            document_number="n",
            date="d",
            template="t",
        ),
        # shifted by 0–8 characters, so in some paragraph a natural break falls on
        # every position of the repeating phrases, punctuation included
        sections=[
            Section(
                key="a", title="断行", blocks=[Paragraph(text="字" * k + text) for k in range(9)]
            )
        ],
        outline=False,
    )
    content = compile_pdf(doc, TEMPLATES / "stage_report/v1/main.typ")
    lines = [
        "".join(span["text"] for span in line["spans"]).strip()
        for page in list(pymupdf.open(stream=content, filetype="pdf"))[1:]
        for block in page.get_text("dict")["blocks"]
        for line in block.get("lines", [])
    ]
    body = [line for line in lines if len(line) > 20]
    assert len(body) >= 9 * 6
    for line in body:
        assert line[0] not in PUNCTUATION_NOT_AT_LINE_START, line
        assert line[-1] not in "（「『“", line
