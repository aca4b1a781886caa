"""Versions of correctable subjects (更正/作废), shared by the workflow (records, list items,
team members) and the directory (unit profiles).

A subject's row always holds its current version. The first correction or void also
keeps the original as version 1 (its author and time when the row knows them), so the
`revision` table holds a subject's whole history once it has one; a subject without
revision rows has never changed. Nothing is deleted: a void is a version too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.core import ValidationFailed
from contracts.engagement.enums import RevisionChange, RevisionSubject
from kit.ids import new_id
from kit.rpc import CallContext
from services.engagement import repository
from services.engagement.models import Revision


def reason_given(reason: str) -> str:
    """A correction or void needs a reason a person can read (not just blanks)."""
    if not reason.strip():
        raise ValidationFailed("a correction or void needs a reason", field="reason")
    return reason.strip()


@dataclass(frozen=True)
class Original:
    """A subject's content before its first change, and who made it, if known."""

    content: dict[str, Any]
    by: str | None
    at: datetime | None


async def keep_version(
    session: AsyncSession,
    ctx: CallContext,
    subject: RevisionSubject,
    subject_id: UUID,
    engagement_id: UUID | None,
    original: Original,
    change: RevisionChange,
    content: dict[str, Any],
    reason: str,
) -> int:
    """Record one change of a subject; returns its new version (2 or more)."""
    last = await repository.last_version(session, subject, subject_id)
    if last == 0:
        session.add(
            Revision(
                id=new_id(),
                subject=subject,
                subject_id=subject_id,
                engagement_id=engagement_id,
                version=1,
                change=RevisionChange.CREATED,
                content=original.content,
                reason=None,
                changed_by=original.by,
                changed_at=original.at,
            )
        )
        last = 1
    session.add(
        Revision(
            id=new_id(),
            subject=subject,
            subject_id=subject_id,
            engagement_id=engagement_id,
            version=last + 1,
            change=change,
            content=content,
            reason=reason,
            changed_by=ctx.actor,
            changed_at=datetime.now(UTC),
        )
    )
    return last + 1
