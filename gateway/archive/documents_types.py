"""GraphQL types of generated documents: the jobs that render them, each document of an
engagement with its versions (archive items), and the agencies' template variants."""

from __future__ import annotations

from datetime import date, datetime
from typing import Self, cast

import strawberry
from strawberry.scalars import JSON

from contracts.archive import documents as archive_documents
from contracts.archive import rpc_documents
from gateway.archive.catalogue_types import ArchiveItem, gid, readable
from gateway.context import Context

DocumentKind = strawberry.enum(
    archive_documents.DocumentKind,
    description="The documents the standard names: 实施方案 (4.2.2.3), 阶段性工作报告 "
    "(4.2.3.2), 现状调查报告 (附录 B), 实施总结报告 and 成果报告 (4.2.4.2), 环境管理档案, "
    "宣传培训记录, 整改台账, 表 C.1.",
)
DocumentFormat = strawberry.enum(
    archive_documents.DocumentFormat,
    description="PDF for the record, DOCX for authors to edit, XLSX for tabular ledgers.",
)
DocumentJobStatus = strawberry.enum(
    rpc_documents.DocumentJobStatus,
    description="QUEUED → RUNNING → DONE | FAILED; a job whose worker died runs again.",
)


@strawberry.type(description="The period a document covers, both days included.")
class DocumentPeriod:
    start: date
    end: date


@strawberry.type(description="文件生成: one requested document, rendered in the background.")
class DocumentJob:
    id: strawberry.ID
    engagement_id: strawberry.ID
    kind: DocumentKind  # type: ignore[valid-type]
    format: DocumentFormat  # type: ignore[valid-type]
    period: DocumentPeriod | None
    template: str | None = strawberry.field(description="The agency variant; null: standard.")
    template_version: int | None
    status: DocumentJobStatus  # type: ignore[valid-type]
    progress: int = strawberry.field(description="Percent done, 0–100.")
    attempts: int
    max_attempts: int
    error_code: str | None = strawberry.field(description="Why it failed: a stable code.")
    error_message: str | None = strawberry.field(description="中文 / English.")
    item_id: strawberry.ID | None = strawberry.field(
        description="The archive item filed, once DONE."
    )
    created_by: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @classmethod
    def from_view(cls, v: rpc_documents.DocumentJobView) -> Self:
        return cls(
            id=gid("DocumentJob", v.id),
            engagement_id=gid("Engagement", v.engagement_id),
            kind=v.kind,
            format=v.format,
            period=DocumentPeriod(start=v.period.start, end=v.period.end) if v.period else None,
            template=v.template,
            template_version=v.template_version,
            status=v.status,
            progress=v.progress,
            attempts=v.attempts,
            max_attempts=v.max_attempts,
            error_code=v.error_code,
            error_message=v.error_message,
            item_id=gid("ArchiveItem", v.item_id) if v.item_id else None,
            created_by=v.created_by,
            created_at=v.created_at,
            started_at=v.started_at,
            finished_at=v.finished_at,
        )


@strawberry.type(
    description="A generated document of an engagement (one kind, format and period): "
    "its archive series, every filed version you may see, oldest first."
)
class GeneratedDocument:
    kind: DocumentKind  # type: ignore[valid-type]
    series_id: strawberry.ID
    versions: list[ArchiveItem]

    @strawberry.field(description="The newest version you may see.")
    def latest(self) -> ArchiveItem:
        return self.versions[-1]

    @classmethod
    def from_view(cls, ctx: Context, v: rpc_documents.DocumentSeriesView) -> Self | None:
        versions = [ArchiveItem.from_view(i) for i in v.versions if readable(ctx, i)]
        if not versions:
            return None
        return cls(kind=v.kind, series_id=gid("ArchiveItem", v.series_id), versions=versions)


@strawberry.type(description="模板: an agency's variant of a document's template.")
class DocumentTemplate:
    id: strawberry.ID
    kind: DocumentKind  # type: ignore[valid-type]
    name: str
    version: int = strawberry.field(description="1, 2, … per name; documents name theirs.")
    definition: JSON
    created_by: str
    created_at: datetime

    @classmethod
    def from_view(cls, v: rpc_documents.DocumentTemplateView) -> Self:
        return cls(
            id=gid("DocumentTemplate", v.id),
            kind=v.kind,
            name=v.name,
            version=v.version,
            definition=cast(JSON, v.definition),
            created_by=v.created_by,
            created_at=v.created_at,
        )
