"""All SQL of the catalogue. An item is loaded as a caller may see it (`visible_item`,
`domain.may_see`), and lists filter the same rule in SQL (`visible_in_sql`), so a
denied row never leaves the database."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, NamedTuple, cast
from uuid import UUID

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Table,
    and_,
    bindparam,
    exists,
    false,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from contracts.archive import enums as archive_enums
from contracts.archive import errors as archive_errors
from contracts.archive import rpc_catalogue as archive_rpc_catalogue
from contracts.core import Scope
from kit.db import insert_of
from services.archive.catalogue import domain
from services.archive.catalogue.models import (
    ArchiveItem,
    ArchiveVolume,
    BorrowRequest,
    Destruction,
    EngagementParties,
    Handover,
    HandoverItem,
    UsageRecord,
)

# --- items as a caller may see them ---------------------------------------------------


async def visible_item(
    session: AsyncSession,
    caller: archive_rpc_catalogue.Caller,
    item_id: UUID,
    *,
    lock: bool = False,
) -> ArchiveItem:
    """The item if this caller may see it; ArchiveItemNotFound otherwise, whether it is
    missing, another tenant's or above the caller's clearance (no existence leak)."""
    query = select(ArchiveItem).where(ArchiveItem.id == item_id)
    if lock:
        query = query.with_for_update()
    row = (await session.execute(query)).scalar_one_or_none()
    if row is None or not domain.may_see(caller, row.holding):
        raise archive_errors.ArchiveItemNotFound("no such archive item", field="item_id")
    return row


async def agency_item(
    session: AsyncSession,
    caller: archive_rpc_catalogue.Caller,
    item_id: UUID,
    *,
    lock: bool = False,
) -> ArchiveItem:
    """An item the caller's agency holds and may see: for the agency's own actions."""
    row = await visible_item(session, caller, item_id, lock=lock)
    if not domain.agency_holds(caller, row.holding):
        raise archive_errors.ArchiveItemNotFound("no such archive item", field="item_id")
    return row


async def visible_items(
    session: AsyncSession, caller: archive_rpc_catalogue.Caller, ids: Sequence[UUID]
) -> dict[UUID, ArchiveItem]:
    """The items among `ids` this caller may see, by id: one query, `domain.may_see`
    applied to the rows it returns."""
    if not ids:
        return {}
    rows = await session.execute(select(ArchiveItem).where(ArchiveItem.id.in_(ids)))
    return {row.id: row for row in rows.scalars() if domain.may_see(caller, row.holding)}


def visible_in_sql(
    caller: archive_rpc_catalogue.Caller, item: type[ArchiveItem] = ArchiveItem
) -> ColumnElement[bool]:
    """`domain.may_see` as SQL, for lists, where only filed items and tombstones show."""
    filed_or_tombstone = item.status.in_(
        [archive_enums.ItemStatus.FILED, archive_enums.ItemStatus.DESTROYED]
    )
    owners = []
    if caller.scope.agency_id is not None:
        owners.append(item.agency_id == caller.scope.agency_id)
    if caller.scope.unit_id is not None:
        owners.append(and_(item.unit_id == caller.scope.unit_id, item.handed_over))
    if caller.scope.client_id is not None:
        owners.append(and_(item.client_id == caller.scope.client_id, item.handed_over))
    if not owners:
        return false()  # matches nothing
    return and_(item.level <= caller.clearance, filed_or_tombstone, or_(*owners))


def superseded_in_sql(caller: archive_rpc_catalogue.Caller) -> ColumnElement[bool]:
    """A later version of the item's series is filed, and this caller may see it: the
    item is no longer the current one for them."""
    later = cast(type[ArchiveItem], aliased(ArchiveItem))
    return exists().where(
        later.series_id == ArchiveItem.series_id,
        later.version > ArchiveItem.version,
        later.status == archive_enums.ItemStatus.FILED,
        visible_in_sql(caller, later),
    )


async def catalogue_items(
    session: AsyncSession,
    caller: archive_rpc_catalogue.Caller,
    engagement_id: UUID,
    *,
    superseded: bool,
) -> list[ArchiveItem]:
    """The engagement's items this caller may see, by volume and series, oldest version
    first; without superseded versions unless asked."""
    query = select(ArchiveItem).where(
        ArchiveItem.engagement_id == engagement_id, visible_in_sql(caller)
    )
    if not superseded:
        query = query.where(~superseded_in_sql(caller))
    rows = await session.execute(
        query.order_by(ArchiveItem.volume_id, ArchiveItem.series_id, ArchiveItem.version)
    )
    return list(rows.scalars())


async def filed_versions(
    session: AsyncSession, caller: archive_rpc_catalogue.Caller, series_ids: Sequence[UUID]
) -> list[ArchiveItem]:
    """The filed versions of these series this caller may see, by series, oldest first."""
    rows = await session.execute(
        select(ArchiveItem)
        .where(
            ArchiveItem.series_id.in_(series_ids),
            ArchiveItem.status == archive_enums.ItemStatus.FILED,
            visible_in_sql(caller),
        )
        .order_by(ArchiveItem.series_id, ArchiveItem.version)
    )
    return list(rows.scalars())


# --- items as the use cases change them ------------------------------------------------


async def locked_series(session: AsyncSession, series_id: UUID) -> list[ArchiveItem]:
    """Every version of the series, oldest first, once its first version is locked: two
    callers run one after the other, and the second reads the series only once it holds
    the lock, so it sees what the first one added."""
    await session.execute(
        select(ArchiveItem.id).where(ArchiveItem.id == series_id).with_for_update()
    )
    rows = await session.execute(
        select(ArchiveItem).where(ArchiveItem.series_id == series_id).order_by(ArchiveItem.version)
    )
    return list(rows.scalars())


async def items_in_order(session: AsyncSession, ids: Sequence[UUID]) -> list[ArchiveItem]:
    """These items (which must exist), in the order given."""
    rows = await session.execute(select(ArchiveItem).where(ArchiveItem.id.in_(ids)))
    by_id = {row.id: row for row in rows.scalars()}
    return [by_id[i] for i in ids]


async def expired_uploads(session: AsyncSession, now: datetime, limit: int) -> list[ArchiveItem]:
    rows = await session.execute(
        select(ArchiveItem)
        .where(
            ArchiveItem.status == archive_enums.ItemStatus.PENDING,
            ArchiveItem.upload_expires_at < now,
        )
        .limit(limit)
    )
    return list(rows.scalars())


async def filed_from(session: AsyncSession, event_id: UUID) -> bool:
    """Whether an item was already filed from this event."""
    found = await session.execute(
        select(ArchiveItem.id).where(ArchiveItem.source_event_id == event_id)
    )
    return found.first() is not None


async def filed_items(session: AsyncSession) -> list[ArchiveItem]:
    """Every item whose bytes are or were stored: filed ones and tombstones."""
    rows = await session.execute(
        select(ArchiveItem)
        .where(
            ArchiveItem.status.in_(
                [archive_enums.ItemStatus.FILED, archive_enums.ItemStatus.DESTROYED]
            )
        )
        .order_by(ArchiveItem.id)
    )
    return list(rows.scalars())


# --- engagements and volumes -------------------------------------------------------------


async def parties(session: AsyncSession, engagement_id: UUID) -> EngagementParties | None:
    return await session.get(EngagementParties, engagement_id)


async def parties_to_file_for(
    session: AsyncSession, engagement_id: UUID
) -> EngagementParties | None:
    """The engagement's owners, their row locked to the end of the transaction (on
    PostgreSQL; SQLite has one writer). Two filers of one engagement's event (the
    archive's consumer and, during the upgrade to it, the retired filing consumer's
    drain) take turns, and the second then finds the first's item instead of losing on
    its key and retrying, which would put the consumer's ledger entry out of order."""
    return await session.get(
        EngagementParties, engagement_id, with_for_update=True, populate_existing=True
    )


async def remember_parties(
    session: AsyncSession,
    engagement_id: UUID,
    agency_id: UUID,
    unit_id: UUID,
    client_id: UUID | None = None,
) -> None:
    """The engagement's owners, first written by whichever comes first: an upload, a
    record, or a filing from an event (concurrently, on two replicas)."""
    await remember_many_parties(
        session,
        [
            {
                "engagement_id": engagement_id,
                "agency_id": agency_id,
                "unit_id": unit_id,
                "client_id": client_id,
            }
        ],
    )


async def remember_many_parties(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Engagements' owners (keys: the columns of `EngagementParties`), unless known: ON
    CONFLICT DO NOTHING, since a check-then-insert lost the race of two replicas with a
    unique violation. Only `engagement.created.v1` names the client; when an upload came
    first, the client is added then, to the parties and to the items already filed.

    Prebuilt statements (one per backend), each run once for all the rows, and no read:
    the client goes to parties and items that have none yet by two conditional UPDATEs,
    the items first, while the parties still show the client as unknown."""
    if not rows:
        return
    # The updates are Core statements, which do not autoflush: items added but not yet
    # flushed in this session must be there for them.
    await session.flush()
    statements = _parties_statements(session.get_bind().dialect.name)
    await session.execute(statements.insert, list(rows))
    clients = [
        {"engagement": r["engagement_id"], "client": r["client_id"]}
        for r in rows
        if r["client_id"] is not None
    ]
    if clients:
        await session.execute(statements.items_client, clients)
        await session.execute(statements.parties_client, clients)


class _PartiesStatements(NamedTuple):
    insert: Any
    items_client: Any
    parties_client: Any


@functools.cache
def _parties_statements(dialect: str) -> _PartiesStatements:
    parties = cast(Table, EngagementParties.__table__)
    items = cast(Table, ArchiveItem.__table__)
    engagement: BindParameter[UUID] = bindparam("engagement")
    client: BindParameter[UUID] = bindparam("client")
    insert = insert_of(dialect)
    client_unknown = exists().where(
        parties.c.engagement_id == engagement, parties.c.client_id.is_(None)
    )
    return _PartiesStatements(
        insert=insert(parties).on_conflict_do_nothing(index_elements=["engagement_id"]),
        items_client=update(items)
        .where(items.c.engagement_id == engagement, items.c.client_id.is_(None), client_unknown)
        .values(client_id=client),
        parties_client=update(parties)
        .where(parties.c.engagement_id == engagement, parties.c.client_id.is_(None))
        .values(client_id=client),
    )


async def client_of(session: AsyncSession, engagement_id: UUID) -> UUID | None:
    """The engagement's client that is not one unit, if the archive knows one: what a
    new item of the engagement carries."""
    known = await parties(session, engagement_id)
    return known.client_id if known is not None else None


async def volume(session: AsyncSession, volume_id: UUID) -> ArchiveVolume | None:
    return await session.get(ArchiveVolume, volume_id)


async def volumes(
    session: AsyncSession,
    caller: archive_rpc_catalogue.Caller,
    engagement_id: UUID,
    items: Iterable[ArchiveItem],
) -> list[ArchiveVolume]:
    """The engagement's volumes for this caller: all its agency's; for anyone else, those
    holding one of `items` (what they may see)."""
    query = select(ArchiveVolume).where(ArchiveVolume.engagement_id == engagement_id)
    if caller.scope.agency_id is not None:
        query = query.where(ArchiveVolume.agency_id == caller.scope.agency_id)
    else:
        query = query.where(ArchiveVolume.id.in_({i.volume_id for i in items}))
    return list((await session.execute(query.order_by(ArchiveVolume.id))).scalars())


# --- handover, borrowing, usage, destruction ---------------------------------------------


async def handover(session: AsyncSession, handover_id: UUID) -> Handover | None:
    """The handover, locked."""
    return await session.get(Handover, handover_id, with_for_update=True)


async def handovers(session: AsyncSession, engagement_id: UUID, scope: Scope) -> list[Handover]:
    """The engagement's handovers its agency made, or its unit received (and with it
    the engagement's client that is not one unit)."""
    query = select(Handover).where(Handover.engagement_id == engagement_id)
    if scope.agency_id is not None:
        query = query.where(Handover.agency_id == scope.agency_id)
    elif scope.unit_id is not None:
        query = query.where(Handover.unit_id == scope.unit_id)
    elif scope.client_id is not None:
        its_own = select(EngagementParties.engagement_id).where(
            EngagementParties.client_id == scope.client_id
        )
        query = query.where(Handover.engagement_id.in_(its_own))
    else:
        return []
    return list((await session.execute(query.order_by(Handover.created_at))).scalars())


async def handover_lines(session: AsyncSession, handover_id: UUID) -> list[HandoverItem]:
    rows = await session.execute(
        select(HandoverItem)
        .where(HandoverItem.handover_id == handover_id)
        .order_by(HandoverItem.position)
    )
    return list(rows.scalars())


async def borrow(session: AsyncSession, borrow_id: UUID) -> BorrowRequest | None:
    """The borrow request, locked."""
    return await session.get(BorrowRequest, borrow_id, with_for_update=True)


async def borrows(
    session: AsyncSession, item_id: UUID, requester_tenant: str | None
) -> list[BorrowRequest]:
    """The item's borrow requests, oldest first; only this tenant's when one is named."""
    query = select(BorrowRequest).where(BorrowRequest.item_id == item_id)
    if requester_tenant is not None:
        query = query.where(BorrowRequest.requester_tenant == requester_tenant)
    return list((await session.execute(query.order_by(BorrowRequest.created_at))).scalars())


async def current_grant(
    session: AsyncSession, item_id: UUID, actor: str, now: datetime
) -> BorrowRequest | None:
    """The actor's approved borrow of the item that runs longest, if one is still valid."""
    return (
        await session.execute(
            select(BorrowRequest)
            .where(
                BorrowRequest.item_id == item_id,
                BorrowRequest.requested_by == actor,
                BorrowRequest.status == archive_enums.BorrowStatus.APPROVED,
                BorrowRequest.valid_until > now,
            )
            .order_by(BorrowRequest.valid_until.desc())
            .limit(1)
        )
    ).scalar_one_or_none()


async def usage(session: AsyncSession, item_id: UUID) -> list[UsageRecord]:
    rows = await session.execute(
        select(UsageRecord).where(UsageRecord.item_id == item_id).order_by(UsageRecord.issued_at)
    )
    return list(rows.scalars())


async def destruction(session: AsyncSession, destruction_id: UUID) -> Destruction | None:
    """The destruction, locked."""
    return await session.get(Destruction, destruction_id, with_for_update=True)
