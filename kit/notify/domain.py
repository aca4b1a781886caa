"""What a reminder is, independent of storage and transport: channels, the notification
a service schedules, quiet hours, per-person preferences and webhook endpoints."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


class Channel(StrEnum):
    IN_APP = "in_app"
    EMAIL = "email"
    WEBHOOK = "webhook"


class WebhookFormat(StrEnum):
    """What a webhook endpoint receives: ecohost's HMAC-signed JSON (any system), or a
    chat robot's own text message (kit/notify/bots.py)."""

    ECOHOST = "ecohost"
    DINGTALK = "dingtalk"
    WECOM = "wecom"


class Status(StrEnum):
    """A notification's state machine: pending → sending → sent | pending (retry) | failed.

    `sending` holds a lease: a worker that dies leaves it, and once the lease has
    expired another worker takes the row again (the attempt is then "in doubt")."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class Outcome(StrEnum):
    """What one attempt came to, as the delivery log records it."""

    SENT = "sent"
    RETRY = "retry"  # failed, another attempt is scheduled
    FAILED = "failed"  # failed for good (permanent error or attempts used up)
    INTERRUPTED = "interrupted"  # its worker stopped mid-send; taken over after the lease
    LEASE_LOST = "lease_lost"  # sent, but another worker had taken the row meanwhile


@dataclass(frozen=True)
class Notification:
    """One message to one person on one channel at one time.

    `key` makes it idempotent: scheduling the same key twice keeps the first, so a
    service derives it from what it means, e.g.
    f"{occurrence_id}:{person_id}:{lead}:{channel}"."""

    key: str
    tenant: str
    recipient: str
    channel: Channel
    address: str | None
    subject: str
    body: str
    data: dict[str, Any] = field(default_factory=dict)
    due_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def __post_init__(self) -> None:
        if self.due_at.tzinfo is None:
            raise ValueError("due_at must be timezone-aware (UTC)")
        if not self.key or len(self.key) > 300:
            raise ValueError("key must be 1 to 300 characters")
        if self.channel in (Channel.EMAIL, Channel.WEBHOOK) and not self.address:
            raise ValueError(f"a {self.channel} notification needs an address")


@dataclass(frozen=True)
class QuietHours:
    """Local hours (Asia/Shanghai by default) in which nothing is delivered: a due time
    inside them moves to their end. `start` after `end` spans midnight (22:00–08:00)."""

    start: time = time(22, 0)
    end: time = time(8, 0)
    zone: ZoneInfo = SHANGHAI

    def contains(self, local: time) -> bool:
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def shift(self, due_at: datetime) -> datetime:
        """`due_at` itself when outside quiet hours, else the end of the quiet period."""
        local = due_at.astimezone(self.zone)
        if not self.contains(local.time().replace(tzinfo=None)):
            return due_at
        end = local.replace(hour=self.end.hour, minute=self.end.minute, second=0, microsecond=0)
        if end <= local:
            end = (local + timedelta(days=1)).replace(
                hour=self.end.hour, minute=self.end.minute, second=0, microsecond=0
            )
        return end.astimezone(UTC)


DEFAULT_CHANNELS: tuple[Channel, ...] = (Channel.IN_APP, Channel.EMAIL)
DEFAULT_LEAD_DAYS: tuple[int, ...] = (30, 7, 1, 0)


@dataclass(frozen=True)
class Preferences:
    """Which channels a person is reminded on and how many days before a due date
    (0: on the day; a negative number: that many days overdue)."""

    channels: tuple[Channel, ...] = DEFAULT_CHANNELS
    lead_days: tuple[int, ...] = DEFAULT_LEAD_DAYS
    source: str = "library"  # "person", "tenant" (the admin's default) or "library"


@dataclass(frozen=True)
class WebhookEndpoint:
    id: UUID
    tenant: str
    url: str
    secret: str
    enabled: bool
    consecutive_failures: int
    disabled_at: datetime | None
    last_error: str | None
    created_at: datetime
    format: WebhookFormat = WebhookFormat.ECOHOST


@dataclass(frozen=True)
class DeliveryAttempt:
    """One line of the delivery log, for an admin."""

    id: int
    notification_key: str
    tenant: str
    recipient: str
    channel: Channel
    address: str | None
    attempt: int
    outcome: Outcome
    error: str | None
    worker: str
    started_at: datetime
    finished_at: datetime
