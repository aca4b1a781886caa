"""The filing consumer's parties from creations, by prebuilt statements and one per
batch, store the rows the per-event path of before stored (kept here as the reference):
the parties, the client learnt after an upload on the parties and on the items filed
before, a second creation of one engagement and a redelivered one changing nothing,
through the batch handler and the per-event handler alike (SQLite and PostgreSQL)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.core import EventEnvelope
from kit.db import Database, dialect_insert
from kit.ids import new_id
from kit.inbox import one_after_another
from kit.storage.local import LocalStore
from services.archive.catalogue.deps import CatalogueDeps
from services.archive.catalogue.handlers import retired_filing_subscription
from services.archive.catalogue.models import ArchiveItem, EngagementParties
from services.archive.ledger.signing import Signer
from services.archive.settings import ArchiveSettings
from tests.archive.catalogue_steps import AGENCY, UNIT, engagement_created_event
from tests.archive.test_catalogue_filing_batch import typed
from tests.archive.test_catalogue_parties import filed_item
from tests.intake_rows import Batches, replayed, same_rows

TABLES = {
    "engagement_parties": ("engagement_id, agency_id, unit_id, client_id", "engagement_id"),
    "archive_item": ("id, engagement_id, client_id", "id"),
}


@pytest.fixture
def deps(tmp_path: Path, signer: Signer) -> CatalogueDeps:
    """A creation stores no object: a local store that nothing is put in."""
    store = LocalStore(tmp_path / "objects", signing_key=b"k", base_url="http://x/files")
    return CatalogueDeps(store=store, settings=ArchiveSettings(), signer=signer)


async def _parties_before(session: AsyncSession, event: EventEnvelope) -> None:
    """`remember_parties` from the event's JSON, as it was: a lookup, an insert, a
    second lookup, and the client set through the instance and an ORM UPDATE."""
    data = event.model_dump(mode="json")["data"]
    engagement = uuid.UUID(data["engagement_id"])
    client = uuid.UUID(data["client_id"]) if data.get("client_id") else None
    known = await session.get(EngagementParties, engagement)
    if known is None:
        await session.execute(
            dialect_insert(session)(EngagementParties)
            .values(
                engagement_id=engagement,
                agency_id=uuid.UUID(data["agency_id"]),
                unit_id=uuid.UUID(data["unit_id"]),
                client_id=client,
            )
            .on_conflict_do_nothing(index_elements=["engagement_id"])
        )
        known = await session.get(EngagementParties, engagement)
    if client is not None and known is not None and known.client_id is None:
        known.client_id = client
        await session.execute(
            update(ArchiveItem)
            .where(ArchiveItem.engagement_id == engagement, ArchiveItem.client_id.is_(None))
            .values(client_id=client)
        )
        await session.flush()


def created(
    deps: CatalogueDeps, engagement: uuid.UUID | None = None, client: uuid.UUID | None = None
) -> EventEnvelope:
    event = engagement_created_event(engagement or new_id())
    if client is not None:
        event = event.model_copy(update={"data": {**event.data, "client_id": str(client)}})
    return typed(deps, event)


async def _compare(
    db: Database,
    deps: CatalogueDeps,
    batches: Batches,
    setup: Callable[[AsyncSession], Awaitable[None]] | None = None,
) -> None:
    """The reference, then the batch handler and the per-event handler (both as the
    consumer calls them), each from the same database."""
    subscription = retired_filing_subscription(deps)
    assert subscription.batch_handler is not None
    await same_rows(
        db,
        TABLES,
        batches,
        one_after_another(_parties_before),
        subscription.batch_handler,
        one_after_another(subscription.handler),
        setup=setup,
    )


async def test_a_batch_of_creations_stores_the_rows_of_before(
    db: Database, deps: CatalogueDeps
) -> None:
    await _compare(db, deps, [[created(deps), created(deps, client=new_id()), created(deps)]])


async def test_a_creation_twice_and_a_redelivery_change_nothing(
    db: Database, deps: CatalogueDeps
) -> None:
    first, second = created(deps, client=new_id()), created(deps)
    # The same engagement again naming another client: the first one stays.
    other_client = created(deps, first.engagement_id, new_id())
    await _compare(
        db,
        deps,
        [[first, second, replayed(first)], [replayed(second), other_client, created(deps)]],
    )


async def test_the_client_learnt_after_an_upload_reaches_the_items_as_before(
    db: Database, deps: CatalogueDeps
) -> None:
    """Parties known from an upload (no client) and an item filed then: a creation naming
    the client adds it to both; one that has the client already leaves other items."""
    uploaded, known = new_id(), new_id()
    park = new_id()

    items = {uploaded: new_id(), known: new_id()}  # the same ids in each transaction

    async def upload_came_first(session: AsyncSession) -> None:
        session.add(EngagementParties(engagement_id=uploaded, agency_id=AGENCY, unit_id=UNIT))
        session.add(
            EngagementParties(engagement_id=known, agency_id=AGENCY, unit_id=UNIT, client_id=park)
        )
        for engagement, item_id in items.items():
            item = filed_item(engagement, AGENCY, UNIT, None)
            item.id = item.series_id = item_id
            item.object_key = f"engagements/{engagement}/{item_id}/1"
            session.add(item)
        await session.flush()

    await _compare(
        db,
        deps,
        [[created(deps, uploaded, park), created(deps, known, new_id()), created(deps)]],
        upload_came_first,
    )
