"""Quiet hours and the notification's own checks (no database)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest

from kit.notify import Channel, Notification, QuietHours

QUIET = QuietHours(time(22), time(8))


def shanghai(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2027, 3, day, hour, minute, tzinfo=UTC) - timedelta(hours=8)


@pytest.mark.parametrize(
    ("due", "expected"),
    [
        (shanghai(10, 21, 59), shanghai(10, 21, 59)),  # before: unchanged
        (shanghai(10, 22, 0), shanghai(11, 8, 0)),  # start: to the next morning
        (shanghai(11, 3, 15), shanghai(11, 8, 0)),  # after midnight: same morning
        (shanghai(11, 8, 0), shanghai(11, 8, 0)),  # end: outside already
        (shanghai(11, 12, 0), shanghai(11, 12, 0)),
    ],
)
def test_quiet_hours_spanning_midnight(due: datetime, expected: datetime):
    assert QUIET.shift(due) == expected


def test_quiet_hours_within_a_day_and_none():
    lunch = QuietHours(time(12), time(14))
    assert lunch.shift(shanghai(10, 13, 0)) == shanghai(10, 14, 0)
    assert lunch.shift(shanghai(10, 15, 0)) == shanghai(10, 15, 0)
    never = QuietHours(time(8), time(8))
    assert never.shift(shanghai(10, 8, 0)) == shanghai(10, 8, 0)


def test_a_notification_refuses_naive_times_and_missing_addresses():
    common: dict[str, Any] = {
        "key": "k",
        "tenant": "t",
        "recipient": "p",
        "subject": "s",
        "body": "b",
    }
    with pytest.raises(ValueError, match="timezone"):
        Notification(**common, channel=Channel.IN_APP, address=None, due_at=datetime(2027, 1, 1))
    with pytest.raises(ValueError, match="address"):
        Notification(**common, channel=Channel.EMAIL, address=None)
    with pytest.raises(ValueError, match="key"):
        Notification(**{**common, "key": ""}, channel=Channel.IN_APP, address=None)
