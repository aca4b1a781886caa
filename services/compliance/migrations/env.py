"""Alembic environment of the compliance service; run through `ecohost migrate`."""

from kit.migrate import run_migrations
from services.compliance.models import Base

run_migrations(Base.metadata)
