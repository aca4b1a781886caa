"""The archive's one table metadata: the declarative base both subdomains' tables
(`ledger/models.py`, `catalogue/models.py`) are declared on, and the messaging tables."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from kit.db import service_metadata
from kit.messaging import messaging_tables


class Base(DeclarativeBase):
    metadata = service_metadata()


messaging = messaging_tables(Base.metadata)
