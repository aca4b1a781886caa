"""Generated documents (文件): the reports the standard's parties exchange, rendered from
recorded data and filed into the archive like any upload.

The renderer reads one `EngagementFacts`: everything the owning services return to the
caller about one engagement, in their own contracts, so a document never shows what its
requester may not read.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import Field, model_validator

from contracts.archive.enums import ItemCategory
from contracts.core import Contract
from contracts.engagement.rpc import EngagementView
from contracts.engagement.rpc_directory import AgencyProfile, UnitProfile, UnitView
from contracts.engagement.rpc_workflow import (
    CatalogueItemView,
    ChecklistDefinitionItem,
    WorkflowView,
)
from contracts.evaluation.rpc import ScorecardView, TemplateDefinition


class DocumentKind(StrEnum):
    """The documents the standard names, with the clause that names each."""

    IMPLEMENTATION_PLAN = "implementation_plan"  # 实施方案, 4.2.2.3
    STAGE_REPORT = "stage_report"  # 阶段性工作报告, 4.2.3.2
    STATUS_INVESTIGATION = "status_investigation"  # 现状调查报告, 6.1.7.1 / 附录 B
    IMPLEMENTATION_SUMMARY = "implementation_summary"  # 托管服务实施总结报告, 4.2.4.2
    RESULTS_REPORT = "results_report"  # 托管服务成果报告, 4.2.4.2
    ENVIRONMENTAL_FILES = "environmental_files"  # 环境管理档案, 4.2.4.2
    TRAINING_RECORD = "training_record"  # 宣传培训记录, 4.2.4.2
    RECTIFICATION_LEDGER = "rectification_ledger"  # 整改台账, 4.2.3.1
    EVALUATION_TABLE = "evaluation_table"  # 表 C.1 绩效评价表, 4.2.5


class DocumentFormat(StrEnum):
    PDF = "pdf"  # for the record: fonts embedded and subset
    DOCX = "docx"  # for authors to edit
    XLSX = "xlsx"  # for tabular ledgers


# Where a generated document is filed: its series in the archive has this category.
DOCUMENT_CATEGORY: dict[DocumentKind, ItemCategory] = {
    DocumentKind.IMPLEMENTATION_PLAN: ItemCategory.SERVICE_PLAN,
    DocumentKind.STAGE_REPORT: ItemCategory.STAGE_REPORT,
    DocumentKind.STATUS_INVESTIGATION: ItemCategory.PROCESS_FILE,
    DocumentKind.IMPLEMENTATION_SUMMARY: ItemCategory.IMPLEMENTATION_SUMMARY,
    DocumentKind.RESULTS_REPORT: ItemCategory.RESULTS_REPORT,
    DocumentKind.ENVIRONMENTAL_FILES: ItemCategory.ENVIRONMENTAL_FILES,
    DocumentKind.TRAINING_RECORD: ItemCategory.TRAINING_PUBLICITY,
    DocumentKind.RECTIFICATION_LEDGER: ItemCategory.PROCESS_FILE,
    DocumentKind.EVALUATION_TABLE: ItemCategory.EVALUATION_RESULT,
}


class DocumentPeriod(Contract):
    """The period a stage report (or any periodic document) covers, both days included."""

    start: date
    end: date

    @model_validator(mode="after")
    def _ordered(self) -> DocumentPeriod:
        if self.end < self.start:
            raise ValueError("期间结束日早于开始日 / period ends before it starts")
        return self


class DocumentMeta(Contract):
    """What the cover page shows beside the facts."""

    document_number: str = Field(min_length=1, max_length=100, description="文件编号")
    generated_at: datetime
    period: DocumentPeriod | None = None


class EngagementFacts(Contract):
    """Everything recorded about one engagement, as its owning services return it to the
    caller who asked for the document."""

    engagement: EngagementView
    unit: UnitView
    unit_profile: UnitProfile | None = None
    agency: AgencyProfile | None = None
    workflow: WorkflowView
    scorecards: list[ScorecardView] = Field(default_factory=list)
    # Reference data the documents print names from (the standard's catalogue, 表 A.1,
    # table C.1 and its variants). Without it a document prints codes only.
    catalogue: list[CatalogueItemView] = Field(
        default_factory=list, description="托管服务内容 (clause 6): names of the list items' codes."
    )
    checklist_definition: list[ChecklistDefinitionItem] = Field(
        default_factory=list, description="表 A.1 titles of the checklist's codes."
    )
    evaluation_templates: list[TemplateDefinition] = Field(
        default_factory=list,
        description="The templates the scorecards were scored with (matched by code and version).",
    )
