"""The service's idea of "today": time nodes fall due by the calendar of the units'
time zone (China), not by the server's UTC date."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from services.engagement.settings import EngagementSettings


@lru_cache(maxsize=1)
def _zone() -> ZoneInfo:
    return ZoneInfo(EngagementSettings().timezone)


def today() -> date:
    return datetime.now(_zone()).date()
