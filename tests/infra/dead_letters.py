"""A dead letter as a consumer leaves it after its last failed delivery."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import insert

from contracts.core import EventEnvelope
from kit.db import Database
from kit.messaging import MessagingTables


async def keep_as_dead_letter(
    db: Database,
    tables: MessagingTables,
    event: EventEnvelope,
    consumer: str,
    error: str = "RuntimeError: handler failed on purpose",
) -> int:
    """Its id."""
    async with db.transaction() as s:
        found = await s.execute(
            insert(tables.dead_letters)
            .values(
                consumer=consumer,
                event_id=event.event_id,
                subject=event.subject,
                payload=event.model_dump_json(),
                error=error,
                deliveries=5,
                failed_at=datetime.now(UTC),
            )
            .returning(tables.dead_letters.c.id)
        )
        return int(found.scalar_one())
