"""All SQL of generated documents: templates, series and the job queue.

The queue is the `document_job` table. On PostgreSQL workers of several replicas claim
with `FOR UPDATE SKIP LOCKED`, so each job goes to one of them without waiting on the
others; on SQLite the one writer makes the same statements safe. A claim is a lease: a
running job whose lease ran out (its worker died) is claimable again."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.archive.rpc_documents import DocumentJobStatus
from services.archive.documents.models import DocumentJob, DocumentSeries, DocumentTemplate

# --- templates -----------------------------------------------------------------------------


async def latest_template(
    session: AsyncSession, agency_id: UUID, kind: str, name: str
) -> DocumentTemplate | None:
    rows = await session.execute(
        select(DocumentTemplate)
        .where(
            DocumentTemplate.agency_id == agency_id,
            DocumentTemplate.kind == kind,
            DocumentTemplate.name == name,
        )
        .order_by(DocumentTemplate.version.desc())
        .limit(1)
    )
    return rows.scalar_one_or_none()


async def template(session: AsyncSession, template_id: UUID) -> DocumentTemplate | None:
    return await session.get(DocumentTemplate, template_id)


async def latest_templates(
    session: AsyncSession, agency_id: UUID, kind: str | None
) -> list[DocumentTemplate]:
    """The latest version of each of the agency's variants, by kind and name."""
    newest = (
        select(
            DocumentTemplate.kind,
            DocumentTemplate.name,
            func.max(DocumentTemplate.version).label("version"),
        )
        .where(DocumentTemplate.agency_id == agency_id)
        .group_by(DocumentTemplate.kind, DocumentTemplate.name)
    )
    if kind is not None:
        newest = newest.where(DocumentTemplate.kind == kind)
    latest = newest.subquery()
    rows = await session.execute(
        select(DocumentTemplate)
        .join(
            latest,
            and_(
                DocumentTemplate.kind == latest.c.kind,
                DocumentTemplate.name == latest.c.name,
                DocumentTemplate.version == latest.c.version,
            ),
        )
        .where(DocumentTemplate.agency_id == agency_id)
        .order_by(DocumentTemplate.kind, DocumentTemplate.name)
    )
    return list(rows.scalars())


# --- series ----------------------------------------------------------------------------------


async def series(
    session: AsyncSession, engagement_id: UUID, kind: str, fmt: str, period_key: str
) -> DocumentSeries | None:
    rows = await session.execute(
        select(DocumentSeries).where(
            DocumentSeries.engagement_id == engagement_id,
            DocumentSeries.kind == kind,
            DocumentSeries.format == fmt,
            DocumentSeries.period_key == period_key,
        )
    )
    return rows.scalar_one_or_none()


async def engagement_series(session: AsyncSession, engagement_id: UUID) -> list[DocumentSeries]:
    rows = await session.execute(
        select(DocumentSeries)
        .where(DocumentSeries.engagement_id == engagement_id)
        .order_by(DocumentSeries.kind, DocumentSeries.period_key, DocumentSeries.format)
    )
    return list(rows.scalars())


# --- jobs --------------------------------------------------------------------------------------


async def jobs(session: AsyncSession, ids: Sequence[UUID]) -> dict[UUID, DocumentJob]:
    if not ids:
        return {}
    rows = await session.execute(select(DocumentJob).where(DocumentJob.id.in_(ids)))
    return {row.id: row for row in rows.scalars()}


async def locked_job(session: AsyncSession, job_id: UUID) -> DocumentJob | None:
    rows = await session.execute(
        select(DocumentJob).where(DocumentJob.id == job_id).with_for_update()
    )
    return rows.scalar_one_or_none()


def _claimable(now: datetime) -> object:
    return or_(
        DocumentJob.status == DocumentJobStatus.QUEUED,
        and_(DocumentJob.status == DocumentJobStatus.RUNNING, DocumentJob.lease_until < now),
    )


async def claimable_jobs(session: AsyncSession, now: datetime, limit: int) -> list[DocumentJob]:
    """The oldest jobs no live worker holds, locked for this transaction; rows another
    worker is claiming right now are skipped, not waited for."""
    rows = await session.execute(
        select(DocumentJob)
        .where(_claimable(now))  # type: ignore[arg-type]
        .order_by(DocumentJob.created_at, DocumentJob.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(rows.scalars())
