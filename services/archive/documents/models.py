"""The tables of generated documents: generation jobs, the series each document is filed
in, and the agencies' template variants."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import JSON, Date, ForeignKey, Index, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kit.db import UtcDateTime
from services.archive.models import Base


class DocumentTemplate(Base):
    """An agency's variant of a kind's template (模板): letterhead, logo, extra sections.
    Versioned: registering a name again adds its next version, never changes one."""

    __tablename__ = "document_template"
    __table_args__ = (UniqueConstraint("agency_id", "kind", "name", "version"),)

    id: Mapped[UUID] = mapped_column(primary_key=True)
    agency_id: Mapped[UUID] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(60))
    version: Mapped[int]
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_by: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class DocumentSeries(Base):
    """Which archive series holds a generated document: one per engagement, kind, format
    and period, so regenerating the same document files its next version."""

    __tablename__ = "document_series"
    __table_args__ = (UniqueConstraint("engagement_id", "kind", "format", "period_key"),)

    series_id: Mapped[UUID] = mapped_column(primary_key=True)
    engagement_id: Mapped[UUID] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(String(40))
    format: Mapped[str] = mapped_column(String(10))
    # "" for the whole engagement, else "<start>/<end>" (ISO dates): never NULL, so the
    # unique constraint holds on every database.
    period_key: Mapped[str] = mapped_column(String(25))


class DocumentJob(Base):
    """One request to generate a document, and its progress. A worker claims it with a
    lease; a lease that runs out (the worker died) makes it claimable again until its
    attempts are used up."""

    __tablename__ = "document_job"
    __table_args__ = (Index("ix_document_job_claimable", "status", "lease_until"),)

    id: Mapped[UUID] = mapped_column(primary_key=True)
    engagement_id: Mapped[UUID] = mapped_column(index=True)
    agency_id: Mapped[UUID]
    unit_id: Mapped[UUID]
    kind: Mapped[str] = mapped_column(String(40))
    format: Mapped[str] = mapped_column(String(10))
    period_start: Mapped[date | None] = mapped_column(Date)
    period_end: Mapped[date | None] = mapped_column(Date)
    template_id: Mapped[UUID | None] = mapped_column(ForeignKey("document_template.id"))
    template: Mapped[str | None] = mapped_column(String(60))
    template_version: Mapped[int | None]
    # Whose document it is: the facts are gathered again in this caller's name.
    caller: Mapped[dict[str, Any]] = mapped_column(JSON)
    actor: Mapped[str] = mapped_column(String(255))
    tenant: Mapped[str] = mapped_column(String(100))
    correlation_id: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20))
    progress: Mapped[int] = mapped_column(SmallInteger, default=0)
    attempts: Mapped[int] = mapped_column(SmallInteger, default=0)
    max_attempts: Mapped[int] = mapped_column(SmallInteger)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    error_code: Mapped[str | None] = mapped_column(String(60))
    error_message: Mapped[str | None] = mapped_column(Text)
    item_id: Mapped[UUID | None]
    created_by: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
