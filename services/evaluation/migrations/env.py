"""Alembic environment of the evaluation service; run through `ecohost migrate`."""

from kit.migrate import run_migrations
from services.evaluation.models import Base

run_migrations(Base.metadata)
