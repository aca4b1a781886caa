"""The evaluation service's tables. For now: engagements it will evaluate (from events)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from kit.db import UtcDateTime, service_metadata
from kit.messaging import messaging_tables


class Base(DeclarativeBase):
    metadata = service_metadata()


messaging = messaging_tables(Base.metadata)


class EngagementRegistration(Base):
    """An engagement known to the evaluation service, from `engagement.created.v1`.

    Scorecards (Appendix C) will hang off it; keeping our own copy means the
    evaluation service never calls the engagement service to score.
    """

    __tablename__ = "engagement_registration"

    engagement_id: Mapped[UUID] = mapped_column(primary_key=True)
    unit_id: Mapped[UUID] = mapped_column(index=True)
    agency_id: Mapped[UUID] = mapped_column(index=True)
    source_event_id: Mapped[UUID] = mapped_column(unique=True)
    registered_at: Mapped[datetime] = mapped_column(UtcDateTime)
