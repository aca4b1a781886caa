"""The archive's one JetStream consumer of every event: each event joins the ledger and,
when the catalogue files its type, is filed, in one transaction with one inbox row.

It keeps the ledger's durable (`archive-trace`), its subjects and its position, so an
upgrade replays nothing; the filing consumer it replaces (`archive-filing`) is drained,
then deleted, by `catalogue.retired_filing`. One consumer, not two: each event is fetched,
parsed, claimed in the inbox, committed and acknowledged once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from pydantic import ValidationError
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.core import EVERY_EVENT_SUBJECT, EventEnvelope, event_subject
from kit.inbox import NotBatchable
from kit.logging import get_logger
from kit.runtime import Subscription
from services.archive.catalogue.commands import filing
from services.archive.catalogue.deps import CatalogueDeps
from services.archive.catalogue.handlers import RETIRED_FILING
from services.archive.ledger import commands as ledger
from services.archive.models import messaging

log = get_logger(__name__)

DURABLE = "archive-trace"


def archive_subscription(deps: CatalogueDeps) -> Subscription:
    """Every event, read as the bare envelope: the ledger hashes each event as it arrived,
    whatever its type, and one that no class validates still joins it."""

    async def handle(session: AsyncSession, event: EventEnvelope) -> None:
        # The ledger first: its append lock queues the replicas before anything else.
        await ledger.record(session, event)
        refused = await filing.file_any(deps, session, event)
        if refused is not None:
            await keep_unfiled(session, event, refused)

    async def handle_batch(session: AsyncSession, events: Sequence[EventEnvelope]) -> None:
        # Filing a report or scorecard stores an object first, which a rolled-back batch
        # would leave behind; checked before anything is written.
        if any(filing.stores_an_object(e) for e in events):
            raise NotBatchable
        await ledger.record_many(session, events)
        created = [e for e in events if filing.is_creation(e)]
        if created:
            await filing.remember_created(session, created)

    return Subscription(
        durable=DURABLE,
        subjects=[EVERY_EVENT_SUBJECT],
        handler=handle,
        # A fetched batch joins the ledger in one tree update, its creations' parties in
        # one statement, both in the batch's transaction.
        batch_handler=handle_batch,
    )


async def keep_unfiled(session: AsyncSession, event: EventEnvelope, exc: ValidationError) -> None:
    """A report or scorecard its class refuses still joins the ledger (the ledger is the
    whole process, whatever an event holds); its filing becomes a dead letter of the
    filing consumer, in the same transaction, as when filing had a consumer of its own.
    Retrying would refuse it again; once its contract is fixed, `ecohost dead-letters
    archive --replay <id>` files it through that consumer's handler."""
    log.error("archive.filing_refused", event_type=event.type, error=str(exc).splitlines()[0])
    await session.execute(
        insert(messaging.dead_letters).values(
            consumer=RETIRED_FILING,
            event_id=event.event_id,
            subject=event_subject(filing.FILED_TYPES[event.type]),
            payload=event.model_dump_json(),
            error=str(exc)[:10000],
            deliveries=1,
            failed_at=datetime.now(UTC),
        )
    )
