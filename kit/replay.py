"""Replaying dead letters once their cause is fixed (`ecohost dead-letters SERVICE --replay`).

A dead letter is replayed through its consumer's own handler, exactly as a delivery
would be: the handler's writes, the inbox row and the dead letter's `replayed_at`
commit in one transaction. So a replay never applies an event twice (one applied
since, by a redelivery, is only marked), a replayed dead letter stays on record,
and a replay that fails again leaves it unreplayed, with the new error, for the
next attempt.
"""

from __future__ import annotations

import traceback
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

import structlog
from pydantic import ValidationError
from sqlalchemy import Row, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from kit import tracing
from kit.db import Database
from kit.inbox import apply_once
from kit.logging import get_logger
from kit.messaging import MessagingTables
from kit.runtime import Subscription

log = get_logger(__name__)

Result = Literal["applied", "already_applied", "failed", "unknown_consumer", "not_found"]
UNRESOLVED: frozenset[Result] = frozenset({"failed", "unknown_consumer", "not_found"})


@dataclass(frozen=True)
class Replayed:
    dead_letter_id: int
    consumer: str | None
    event_id: str | None
    result: Result
    error: str | None = None


async def replay_dead_letters(
    db: Database,
    tables: MessagingTables,
    subscriptions: Mapping[str, Subscription],
    ids: Sequence[int] | None = None,
) -> list[Replayed]:
    """Replay the given dead letters (every one not replayed yet when `ids` is None),
    oldest first. A named id that is not waiting for a replay (a typo, or replayed
    already) is reported as `not_found`."""
    letters = tables.dead_letters
    query = select(letters).where(letters.c.replayed_at.is_(None)).order_by(letters.c.id)
    if ids is not None:
        query = query.where(letters.c.id.in_(list(ids)))
    async with db.transaction() as session:
        rows = (await session.execute(query)).all()
    done = [await _replay(db, tables, subscriptions, row) for row in rows]
    found = {r.id for r in rows}
    missing = sorted(set(ids or ()) - found)
    return done + [Replayed(i, None, None, "not_found", "no dead letter waiting") for i in missing]


async def _replay(
    db: Database,
    tables: MessagingTables,
    subscriptions: Mapping[str, Subscription],
    row: Row[Any],
) -> Replayed:
    letter_id: int = row.id
    consumer: str = row.consumer
    event_id = str(row.event_id) if row.event_id else None

    def outcome(result: Result, error: str | None = None) -> Replayed:
        log.info("dead_letter.replayed", id=letter_id, consumer=consumer, result=result)
        return Replayed(letter_id, consumer, event_id, result, error)

    subscription = subscriptions.get(consumer)
    if subscription is None:
        return outcome("unknown_consumer", f"this service has no consumer {consumer!r}")
    try:
        event = subscription.parse(row.payload.encode())
    except ValidationError as exc:
        return outcome("failed", f"unparseable event: {exc}")

    async def mark_replayed(session: AsyncSession) -> None:
        await session.execute(
            update(tables.dead_letters)
            .where(tables.dead_letters.c.id == letter_id)
            .values(replayed_at=datetime.now(UTC))
        )

    # The handler logs and records events as a delivery would: same correlation id,
    # in a span of its own.
    with (
        structlog.contextvars.bound_contextvars(
            correlation_id=event.correlation_id, event_id=str(event.event_id), event_type=event.type
        ),
        tracing.span(
            f"replay {row.subject}", attributes={"messaging.consumer.group.name": consumer}
        ),
    ):
        try:
            applied = await apply_once(
                db, tables, consumer, event, subscription.handler, also=mark_replayed
            )
        except Exception:
            error = traceback.format_exc()
            await _keep_error(db, tables, letter_id, error)
            return outcome("failed", error.strip().splitlines()[-1])
    return outcome("applied" if applied else "already_applied")


async def _keep_error(db: Database, tables: MessagingTables, letter_id: int, error: str) -> None:
    """Best effort: the replay's own result is reported whether or not this lands."""
    try:
        async with db.transaction() as session:
            await session.execute(
                update(tables.dead_letters)
                .where(tables.dead_letters.c.id == letter_id)
                .values(error=error[:10000], failed_at=datetime.now(UTC))
            )
    except Exception as exc:
        log.warning("dead_letter.error_not_kept", id=letter_id, error=repr(exc))
