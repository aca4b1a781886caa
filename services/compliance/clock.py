"""The service's idea of "today": obligations fall due by the calendar of the units'
time zone (China), not by the server's UTC date."""

from __future__ import annotations

from datetime import date, datetime, time
from functools import lru_cache
from zoneinfo import ZoneInfo

from services.compliance.settings import ComplianceSettings


@lru_cache(maxsize=1)
def _settings() -> ComplianceSettings:
    return ComplianceSettings()


def today() -> date:
    return datetime.now(ZoneInfo(_settings().timezone)).date()


def due_soon_days() -> int:
    return _settings().due_soon_days


def remind_at() -> time:
    return _settings().remind_at
