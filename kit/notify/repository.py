"""All of the notify library's SQL. Functions take the caller's session and only
flush: the caller's transaction decides (so scheduling is atomic with the state
change that causes it)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import and_, case, func, literal, or_, select, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from kit.db import dialect_insert
from kit.ids import new_id
from kit.notify.domain import (
    Channel,
    DeliveryAttempt,
    Notification,
    Outcome,
    Preferences,
    QuietHours,
    Status,
    WebhookEndpoint,
    WebhookFormat,
)
from kit.notify.tables import (
    TENANT_DEFAULT,
    deliveries,
    notifications,
    preferences,
    webhook_endpoints,
)

# --- scheduling -------------------------------------------------------------------------


async def schedule(
    session: AsyncSession,
    items: Iterable[Notification],
    *,
    quiet_hours: QuietHours | None = None,
) -> int:
    """Insert `items` in the caller's transaction; keys already scheduled (now or
    before, by anyone) are skipped. Due times inside `quiet_hours` move to their end.
    Returns how many rows were new."""
    now = datetime.now(UTC)
    seen: set[str] = set()
    rows: list[dict[str, Any]] = []
    for n in items:
        if n.key in seen:
            continue
        seen.add(n.key)
        due = quiet_hours.shift(n.due_at) if quiet_hours else n.due_at.astimezone(UTC)
        rows.append(
            {
                "key": n.key,
                "tenant": n.tenant,
                "recipient": n.recipient,
                "channel": str(n.channel),
                "address": n.address,
                "subject": n.subject,
                "body": n.body,
                "data": json.dumps(n.data, ensure_ascii=False, sort_keys=True),
                "due_at": due,
                "status": str(Status.PENDING),
                "attempts": 0,
                "next_attempt_at": due,
                "created_at": now,
            }
        )
    if not rows:
        return 0
    # ON CONFLICT DO NOTHING: a concurrent transaction scheduling the same key waits
    # for the other and then skips it, on both backends; no exception. Executed as one
    # executemany, which SQLAlchemy batches into multi-row INSERTs ("insertmanyvalues")
    # and RETURNING the ids of the rows actually inserted.
    stmt = (
        dialect_insert(session)(notifications)
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(notifications.c.id)
    )
    return len((await session.execute(stmt, rows)).all())


@dataclass(frozen=True)
class ScheduledNotification:
    """A stored notification, as the worker and an admin see it."""

    id: int
    key: str
    tenant: str
    recipient: str
    channel: Channel
    address: str | None
    subject: str
    body: str
    data: dict[str, Any]
    due_at: datetime
    status: Status
    attempts: int
    next_attempt_at: datetime
    lease_owner: str | None
    lease_until: datetime | None
    sent_at: datetime | None
    last_error: str | None

    @staticmethod
    def from_row(row: Row[Any]) -> ScheduledNotification:
        return ScheduledNotification(
            id=row.id,
            key=row.key,
            tenant=row.tenant,
            recipient=row.recipient,
            channel=Channel(row.channel),
            address=row.address,
            subject=row.subject,
            body=row.body,
            data=json.loads(row.data),
            due_at=row.due_at,
            status=Status(row.status),
            attempts=row.attempts,
            next_attempt_at=row.next_attempt_at,
            lease_owner=row.lease_owner,
            lease_until=row.lease_until,
            sent_at=row.sent_at,
            last_error=row.last_error,
        )


async def get_notification(session: AsyncSession, key: str) -> ScheduledNotification | None:
    row = (
        await session.execute(select(notifications).where(notifications.c.key == key))
    ).one_or_none()
    return ScheduledNotification.from_row(row) if row else None


async def notifications_of(
    session: AsyncSession, tenant: str, recipient: str, *, limit: int = 100
) -> list[ScheduledNotification]:
    """A person's notifications, newest first (what an in-app list shows)."""
    rows = await session.execute(
        select(notifications)
        .where(notifications.c.tenant == tenant, notifications.c.recipient == recipient)
        .order_by(notifications.c.id.desc())
        .limit(limit)
    )
    return [ScheduledNotification.from_row(r) for r in rows]


# --- the worker's state machine -----------------------------------------------------------


# Written by `claim` over a row it takes from a worker whose lease ran out, so the
# caller can log that worker's attempt as interrupted. SET expressions see the row's
# values before the update, which RETURNING (new values only) cannot show.
TAKEN_OVER = "taken over: the previous worker stopped mid-send"


async def claim(
    session: AsyncSession, *, worker: str, now: datetime, lease_until: datetime, limit: int
) -> list[tuple[ScheduledNotification, bool]]:
    """Take up to `limit` deliverable rows for `worker` until `lease_until`: due pending
    rows, and rows left `sending` by a worker whose lease ran out. Returns each row with
    whether it was taken over (its previous attempt is in doubt).

    One UPDATE statement: on PostgreSQL its subquery locks `FOR UPDATE SKIP LOCKED`, so
    replicas claim disjoint rows without waiting for each other; on SQLite the statement
    holds the single write lock. Either way no two workers get the same row."""
    n = notifications
    deliverable = or_(
        and_(n.c.status == str(Status.PENDING), n.c.next_attempt_at <= now),
        and_(n.c.status == str(Status.SENDING), n.c.lease_until < now),
    )
    candidates = (
        select(n.c.id)
        .where(deliverable)
        .order_by(n.c.next_attempt_at, n.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    rows = (
        await session.execute(
            update(n)
            .where(n.c.id.in_(candidates), deliverable)
            .values(
                status=str(Status.SENDING),
                lease_owner=worker,
                lease_until=lease_until,
                attempts=n.c.attempts + 1,
                last_error=case(
                    (n.c.status == str(Status.SENDING), literal(TAKEN_OVER)),
                    else_=n.c.last_error,
                ),
            )
            .returning(*n.c)
        )
    ).all()
    claimed = [(ScheduledNotification.from_row(r), r.last_error == TAKEN_OVER) for r in rows]
    claimed.sort(key=lambda pair: (pair[0].next_attempt_at, pair[0].id))
    return claimed


async def finish(
    session: AsyncSession,
    item: ScheduledNotification,
    *,
    worker: str,
    status: Status,
    error: str | None,
    next_attempt_at: datetime | None,
    now: datetime,
) -> bool:
    """Record the end of `worker`'s attempt, only if it still holds the lease. Returns
    False when another worker took the row over meanwhile (nothing is changed)."""
    n = notifications
    values: dict[str, Any] = {
        "status": str(status),
        "lease_owner": None,
        "lease_until": None,
        "last_error": error,
    }
    if status is Status.SENT:
        values["sent_at"] = now
    if next_attempt_at is not None:
        values["next_attempt_at"] = next_attempt_at
    result = await session.execute(
        update(n)
        .where(
            n.c.id == item.id,
            n.c.status == str(Status.SENDING),
            n.c.lease_owner == worker,
            n.c.attempts == item.attempts,
        )
        .values(**values)
    )
    return bool(getattr(result, "rowcount", 0))


async def release(session: AsyncSession, item: ScheduledNotification, *, worker: str) -> bool:
    """Give back a claimed row that this worker did not try (its lease would have run
    out during the send): pending again, the attempt not counted."""
    n = notifications
    result = await session.execute(
        update(n)
        .where(
            n.c.id == item.id,
            n.c.status == str(Status.SENDING),
            n.c.lease_owner == worker,
            n.c.attempts == item.attempts,
        )
        .values(
            status=str(Status.PENDING),
            lease_owner=None,
            lease_until=None,
            attempts=n.c.attempts - 1,
        )
    )
    return bool(getattr(result, "rowcount", 0))


async def log_attempt(
    session: AsyncSession,
    item: ScheduledNotification,
    *,
    attempt: int,
    outcome: Outcome,
    error: str | None,
    worker: str,
    started_at: datetime,
    finished_at: datetime,
) -> None:
    await session.execute(
        deliveries.insert().values(
            notification_id=item.id,
            tenant=item.tenant,
            attempt=attempt,
            outcome=str(outcome),
            error=error,
            worker=worker,
            started_at=started_at,
            finished_at=finished_at,
        )
    )


async def delivery_log(
    session: AsyncSession,
    tenant: str,
    *,
    key: str | None = None,
    before_id: int | None = None,
    limit: int = 100,
) -> list[DeliveryAttempt]:
    """The tenant's delivery attempts, newest first, for an admin (pages by id)."""
    d, n = deliveries, notifications
    stmt = (
        select(d, n.c.key, n.c.recipient, n.c.channel, n.c.address)
        .join(n, n.c.id == d.c.notification_id)
        .where(d.c.tenant == tenant)
        .order_by(d.c.id.desc())
        .limit(limit)
    )
    if key is not None:
        stmt = stmt.where(n.c.key == key)
    if before_id is not None:
        stmt = stmt.where(d.c.id < before_id)
    return [
        DeliveryAttempt(
            id=r.id,
            notification_key=r.key,
            tenant=r.tenant,
            recipient=r.recipient,
            channel=Channel(r.channel),
            address=r.address,
            attempt=r.attempt,
            outcome=Outcome(r.outcome),
            error=r.error,
            worker=r.worker,
            started_at=r.started_at,
            finished_at=r.finished_at,
        )
        for r in await session.execute(stmt)
    ]


# --- preferences ----------------------------------------------------------------------


async def get_preferences(session: AsyncSession, tenant: str, person: str) -> Preferences:
    """The person's own choice, else the tenant admin's default, else the library's."""
    p = preferences
    rows = {
        r.person: r
        for r in await session.execute(
            select(p).where(p.c.tenant == tenant, p.c.person.in_([person, TENANT_DEFAULT]))
        )
    }
    for who, source in ((person, "person"), (TENANT_DEFAULT, "tenant")):
        if who in rows:
            row = rows[who]
            return Preferences(
                channels=tuple(Channel(c) for c in json.loads(row.channels)),
                lead_days=tuple(int(d) for d in json.loads(row.lead_days)),
                source=source,
            )
    return Preferences()


async def set_preferences(
    session: AsyncSession, tenant: str, person: str, choice: Preferences
) -> None:
    """Store a person's channels and lead times (replacing any earlier choice)."""
    await _upsert_preferences(session, tenant, person, choice)


async def set_tenant_defaults(session: AsyncSession, tenant: str, choice: Preferences) -> None:
    """The admin's default for everyone in the tenant who has not chosen."""
    await _upsert_preferences(session, tenant, TENANT_DEFAULT, choice)


async def clear_preferences(session: AsyncSession, tenant: str, person: str) -> None:
    """Back to the tenant's default."""
    p = preferences
    await session.execute(p.delete().where(p.c.tenant == tenant, p.c.person == person))


async def _upsert_preferences(
    session: AsyncSession, tenant: str, person: str, choice: Preferences
) -> None:
    channels = sorted({str(c) for c in choice.channels})
    lead_days = sorted({int(d) for d in choice.lead_days}, reverse=True)
    values = {
        "tenant": tenant,
        "person": person,
        "channels": json.dumps(channels),
        "lead_days": json.dumps(lead_days),
        "updated_at": datetime.now(UTC),
    }
    stmt = dialect_insert(session)(preferences).values(values)
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=["tenant", "person"],
            set_={k: stmt.excluded[k] for k in ("channels", "lead_days", "updated_at")},
        )
    )


# --- webhook endpoints ------------------------------------------------------------------


def _endpoint(row: Row[Any]) -> WebhookEndpoint:
    return WebhookEndpoint(
        id=row.id,
        tenant=row.tenant,
        url=row.url,
        secret=row.secret,
        enabled=row.enabled,
        consecutive_failures=row.consecutive_failures,
        disabled_at=row.disabled_at,
        last_error=row.last_error,
        created_at=row.created_at,
        format=WebhookFormat(row.format),
    )


async def register_webhook(
    session: AsyncSession,
    tenant: str,
    url: str,
    secret: str,
    format: WebhookFormat = WebhookFormat.ECOHOST,
) -> WebhookEndpoint:
    """A new enabled endpoint of `tenant`; its id is the `address` of WEBHOOK notifications.
    `secret` signs what ecohost sends (at least 16 bytes), or is a DingTalk robot's 加签
    secret ("" for a robot without one, and for WeCom's, which signs nothing)."""
    if not url.startswith(("https://", "http://")):
        raise ValueError("a webhook url must be http(s)")
    if format is WebhookFormat.ECOHOST and len(secret.encode()) < 16:
        raise ValueError("a webhook secret must be at least 16 bytes")
    if format is WebhookFormat.WECOM and secret:
        raise ValueError("a WeCom robot has no secret")
    endpoint_id = new_id()
    await session.execute(
        webhook_endpoints.insert().values(
            id=endpoint_id,
            tenant=tenant,
            url=url,
            secret=secret,
            format=format.value,
            enabled=True,
            consecutive_failures=0,
            created_at=datetime.now(UTC),
        )
    )
    found = await get_webhook(session, tenant, endpoint_id)
    assert found is not None
    return found


async def get_webhook(
    session: AsyncSession, tenant: str, endpoint_id: UUID
) -> WebhookEndpoint | None:
    """The endpoint, if it is `tenant`'s (another tenant's reads as absent)."""
    w = webhook_endpoints
    row = (
        await session.execute(select(w).where(w.c.id == endpoint_id, w.c.tenant == tenant))
    ).one_or_none()
    return _endpoint(row) if row else None


async def list_webhooks(session: AsyncSession, tenant: str) -> list[WebhookEndpoint]:
    w = webhook_endpoints
    rows = await session.execute(select(w).where(w.c.tenant == tenant).order_by(w.c.id))
    return [_endpoint(r) for r in rows]


async def set_webhook_enabled(
    session: AsyncSession, tenant: str, endpoint_id: UUID, enabled: bool
) -> bool:
    """Enable (failures counted from zero again) or disable an endpoint by hand."""
    w = webhook_endpoints
    values: dict[str, Any] = {"enabled": enabled}
    if enabled:
        values |= {"consecutive_failures": 0, "disabled_at": None}
    else:
        values |= {"disabled_at": datetime.now(UTC)}
    result = await session.execute(
        update(w).where(w.c.id == endpoint_id, w.c.tenant == tenant).values(**values)
    )
    return bool(getattr(result, "rowcount", 0))


async def record_webhook_result(
    session: AsyncSession,
    endpoint_id: UUID,
    *,
    error: str | None,
    disable_after: int,
    now: datetime,
) -> bool:
    """Count a success (resets the failures) or a failure; disables the endpoint at
    `disable_after` consecutive failures. Returns whether it is disabled now."""
    w = webhook_endpoints
    if error is None:
        await session.execute(
            update(w).where(w.c.id == endpoint_id).values(consecutive_failures=0, last_error=None)
        )
        return False
    failures = (
        await session.execute(
            update(w)
            .where(w.c.id == endpoint_id)
            .values(consecutive_failures=w.c.consecutive_failures + 1, last_error=error)
            .returning(w.c.consecutive_failures, w.c.enabled)
        )
    ).one()
    if failures.enabled and failures.consecutive_failures >= disable_after:
        await session.execute(
            update(w).where(w.c.id == endpoint_id).values(enabled=False, disabled_at=now)
        )
        return True
    return not failures.enabled


async def count_by_status(session: AsyncSession) -> dict[Status, int]:
    n = notifications
    rows = await session.execute(select(n.c.status, func.count()).group_by(n.c.status))
    return {Status(s): c for s, c in rows}
