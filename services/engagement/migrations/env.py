"""Alembic environment of the engagement service; run through `ecohost migrate`."""

from kit.migrate import run_migrations
from services.engagement.models import Base

run_migrations(Base.metadata)
