"""Alembic environment of the archive service; run through `ecohost migrate`."""

from kit.migrate import run_migrations
from services.archive.app import METADATA

run_migrations(METADATA)
