"""Alembic environment of the archive service; run through `ecohost migrate`."""

from kit.migrate import run_migrations
from services.archive.models import Base

run_migrations(Base.metadata)
