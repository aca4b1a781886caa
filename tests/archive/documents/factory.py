"""Realistic engagement facts for document tests and the benchmark: the sample
engagement of services/archive/documents/render/samples.py, scored on the real table
C.1 as the evaluation service publishes it, plus the edge cases the tests need."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from contracts.archive.documents import DocumentMeta, DocumentPeriod, EngagementFacts
from contracts.engagement.rpc_workflow import WorkflowView
from contracts.evaluation.rpc import TemplateDefinition
from services.archive.documents.render.samples import month_period, sample_facts, sample_meta

C1_JSON = Path(__file__).resolve().parents[3] / "services/evaluation/templates/c1_v1.json"

# Text that would be markup if it were ever spliced into Typst source (or a field
# code in Word): it must come out of both formats exactly as typed.
HOSTILE = '#sys.exit() ] $x$ *bold* @ref <label> `raw` \\ #let a = "b" // 注释 {unit.name}'


@cache
def c1_table() -> TemplateDefinition:
    return TemplateDefinition.model_validate(json.loads(C1_JSON.read_text(encoding="utf-8")))


def facts(
    *, inspections: int = 24, rectifications: int = 20, unit_name: str | None = None
) -> EngagementFacts:
    return sample_facts(
        inspections=inspections,
        rectifications=rectifications,
        evaluation_template=c1_table(),
        unit_name=unit_name or "江苏绿源精细化工有限公司",
    )


def year_facts() -> EngagementFacts:
    """The benchmark's engagement: 12 monthly stage reports, 200 inspections and 150
    rectifications over 2025."""
    return facts(inspections=200, rectifications=150)


def bare_facts() -> EngagementFacts:
    """An engagement just created: no profile, list, team, records, reports or scores."""
    full = facts()
    empty = WorkflowView(
        engagement_id=full.engagement.id,
        contracted_team_size=None,
        team=[],
        list_items=[],
        plan_versions=[],
        checklist=[],
        records=[],
        stage_reports=[],
        rectifications=[],
        contract_signed_on=None,
        handed_over_on=None,
        deliverables=[],
    )
    return full.model_copy(
        update={"workflow": empty, "unit_profile": None, "agency": None, "scorecards": []}
    )


def meta(period: DocumentPeriod | None = None, number: str = "HBGJ-2025-001") -> DocumentMeta:
    return sample_meta(period, number)


__all__ = ["HOSTILE", "bare_facts", "c1_table", "facts", "meta", "month_period", "year_facts"]
