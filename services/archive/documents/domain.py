"""Pure rules of generated documents: which formats each kind comes in, its title, the
series it is filed in, its document number and what a failed job says. No I/O."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from contracts.archive.documents import DocumentFormat, DocumentKind, DocumentPeriod
from contracts.archive.rpc_documents import DocumentJobStatus

_NARRATIVE = frozenset({DocumentFormat.PDF, DocumentFormat.DOCX})
_TABULAR = frozenset({DocumentFormat.PDF, DocumentFormat.DOCX, DocumentFormat.XLSX})

# PDF for the record and DOCX for authors, every kind; XLSX for the ledgers and tables.
OFFERED_FORMATS: dict[DocumentKind, frozenset[DocumentFormat]] = {
    DocumentKind.IMPLEMENTATION_PLAN: _NARRATIVE,
    DocumentKind.STAGE_REPORT: _NARRATIVE,
    DocumentKind.STATUS_INVESTIGATION: _NARRATIVE,
    DocumentKind.IMPLEMENTATION_SUMMARY: _NARRATIVE,
    DocumentKind.RESULTS_REPORT: _NARRATIVE,
    DocumentKind.ENVIRONMENTAL_FILES: _NARRATIVE,
    DocumentKind.TRAINING_RECORD: _TABULAR,
    DocumentKind.RECTIFICATION_LEDGER: _TABULAR,
    DocumentKind.EVALUATION_TABLE: _TABULAR,
}

TITLES: dict[DocumentKind, str] = {
    DocumentKind.IMPLEMENTATION_PLAN: "环保管家实施方案",
    DocumentKind.STAGE_REPORT: "阶段性工作报告",
    DocumentKind.STATUS_INVESTIGATION: "现状调查报告",
    DocumentKind.IMPLEMENTATION_SUMMARY: "托管服务实施总结报告",
    DocumentKind.RESULTS_REPORT: "托管服务成果报告",
    DocumentKind.ENVIRONMENTAL_FILES: "环境管理档案",
    DocumentKind.TRAINING_RECORD: "宣传培训记录",
    DocumentKind.RECTIFICATION_LEDGER: "整改台账",
    DocumentKind.EVALUATION_TABLE: "绩效评价表（表 C.1）",
}

# The short code of each kind in a document number.
CODES: dict[DocumentKind, str] = {
    DocumentKind.IMPLEMENTATION_PLAN: "SSFA",
    DocumentKind.STAGE_REPORT: "JDBG",
    DocumentKind.STATUS_INVESTIGATION: "XZDC",
    DocumentKind.IMPLEMENTATION_SUMMARY: "SSZJ",
    DocumentKind.RESULTS_REPORT: "CGBG",
    DocumentKind.ENVIRONMENTAL_FILES: "HJDA",
    DocumentKind.TRAINING_RECORD: "PXJL",
    DocumentKind.RECTIFICATION_LEDGER: "ZGTZ",
    DocumentKind.EVALUATION_TABLE: "JXPJ",
}

# Progress (percent) a job reports as it passes each step.
CLAIMED, GATHERED, RENDERED, STORED, FILED = 5, 30, 80, 95, 100


def offered(kind: DocumentKind, fmt: DocumentFormat) -> bool:
    return fmt in OFFERED_FORMATS[kind]


def title(kind: DocumentKind, period: DocumentPeriod | None) -> str:
    if period is None:
        return TITLES[kind]
    return f"{TITLES[kind]}（{period.start.isoformat()} 至 {period.end.isoformat()}）"


def period_key(period: DocumentPeriod | None) -> str:
    """The period's part of a series' identity: "" for the whole engagement."""
    return "" if period is None else f"{period.start.isoformat()}/{period.end.isoformat()}"


def document_number(kind: DocumentKind, engagement_id: UUID, job_id: UUID, at: datetime) -> str:
    """文件编号: kind, engagement, date and job, e.g. `JDBG-1F3A9C20-20260315-7B41D2`; the
    same for every attempt of one job."""
    return (
        f"{CODES[kind]}-{engagement_id.hex[:8].upper()}-{at.strftime('%Y%m%d')}-"
        f"{job_id.hex[-6:].upper()}"
    )


def is_finished(status: DocumentJobStatus) -> bool:
    return status in (DocumentJobStatus.DONE, DocumentJobStatus.FAILED)


# --- what a failed job says: a stable code and a message, Chinese first -----------------

WORKER_LOST = "document_worker_lost"
FACTS_UNAVAILABLE = "document_facts_unavailable"

FAILURES: dict[str, str] = {
    WORKER_LOST: "生成进程多次中断，已停止重试 / the worker generating it stopped "
    "answering on every attempt",
    FACTS_UNAVAILABLE: "无法读取生成所需的数据（业务服务不可用或已无权查看）/ the data could "
    "not be read (a service is unavailable, or the data is no longer visible to the "
    "requester)",
}
