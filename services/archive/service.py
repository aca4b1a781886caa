"""Archive use cases: record process events in the engagement's chain and the global log,
read and verify the chains."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.archive import rpc as archive_rpc
from contracts.core import EventEnvelope
from kit.logging import get_logger
from services.archive import ledger, tree
from services.archive.leaf import Leaf
from services.archive.models import TraceEntry

log = get_logger(__name__)


async def record(session: AsyncSession, event: EventEnvelope) -> None:
    """The inbox handler: every event joins the global log; one of an engagement also
    joins that engagement's chain first, so the log's leaf carries the chain link."""
    await record_many(session, [event])


async def record_many(session: AsyncSession, events: Sequence[EventEnvelope]) -> None:
    """Record events in this order, in one transaction: their leaves go in together
    (`tree.append_many`)."""
    first = await tree.open_append(session)  # the append lock first: it queues replicas
    leaves = []
    for index, event in enumerate(events, start=first):
        link = await append_to_trace(session, event)
        leaves.append(
            Leaf(
                index=index,
                event_id=event.event_id,
                event_type=event.type,
                occurred_at=event.occurred_at,
                actor=event.actor,
                tenant=event.tenant,
                payload_sha256=link.payload_sha256 if link else _payload_sha256(event),
                engagement_id=event.engagement_id,
                chain_seq=link.seq if link else None,
                chain_hash=link.entry_hash if link else None,
            )
        )
    await tree.append_many(session, leaves)
    if leaves:
        log.info("ledger.appended", index=leaves[0].index, count=len(leaves))


def _payload_sha256(event: EventEnvelope) -> str:
    return ledger.payload_digest(event.model_dump(mode="json")["data"])


async def append_to_trace(session: AsyncSession, event: EventEnvelope) -> TraceEntry | None:
    """Record an engagement's event as the next link of its chain (events without an
    engagement have no chain to join)."""
    if event.engagement_id is None:
        return None
    head = (
        await session.execute(
            select(TraceEntry)
            .where(TraceEntry.engagement_id == event.engagement_id)
            .order_by(TraceEntry.seq.desc())
            .limit(1)
        )
    ).scalar_one_or_none()
    entry = ledger.ChainEntry(
        engagement_id=event.engagement_id,
        seq=head.seq + 1 if head else 1,
        event_id=event.event_id,
        event_type=event.type,
        occurred_at=event.occurred_at,
        actor=event.actor,
        tenant=event.tenant,
        payload_sha256=_payload_sha256(event),
    )
    prev_hash = head.entry_hash if head else ledger.GENESIS
    row = TraceEntry(
        engagement_id=entry.engagement_id,
        seq=entry.seq,
        event_id=entry.event_id,
        event_type=entry.event_type,
        occurred_at=entry.occurred_at,
        recorded_at=datetime.now(UTC),
        actor=entry.actor,
        tenant=entry.tenant,
        payload_sha256=entry.payload_sha256,
        prev_hash=prev_hash,
        entry_hash=ledger.link(prev_hash, entry),
    )
    session.add(row)
    await session.flush()
    log.info("trace.appended", engagement_id=str(entry.engagement_id), seq=entry.seq)
    return row


async def traces(session: AsyncSession, req: archive_rpc.TraceRequest) -> archive_rpc.TraceReply:
    rows = await session.execute(
        select(TraceEntry)
        .where(TraceEntry.engagement_id.in_(req.engagement_ids))
        .order_by(TraceEntry.engagement_id, TraceEntry.seq)
    )
    by_engagement: dict[UUID, list[archive_rpc.TraceEntryView]] = defaultdict(list)
    for row in rows.scalars():
        by_engagement[row.engagement_id].append(_view(row))
    return archive_rpc.TraceReply(traces=[by_engagement.get(i, []) for i in req.engagement_ids])


async def verify(
    session: AsyncSession, req: archive_rpc.VerifyTraceRequest
) -> archive_rpc.VerifyTraceReply:
    rows = list(
        (
            await session.execute(
                select(TraceEntry)
                .where(TraceEntry.engagement_id == req.engagement_id)
                .order_by(TraceEntry.seq)
            )
        ).scalars()
    )
    bad = ledger.first_broken((chain_entry(r), r.prev_hash, r.entry_hash) for r in rows)
    return archive_rpc.VerifyTraceReply(
        engagement_id=req.engagement_id,
        entries=len(rows),
        valid=bad is None,
        first_bad_seq=bad,
        head_hash=rows[-1].entry_hash if rows else ledger.GENESIS,
    )


def chain_entry(row: TraceEntry) -> ledger.ChainEntry:
    return ledger.ChainEntry(
        engagement_id=row.engagement_id,
        seq=row.seq,
        event_id=row.event_id,
        event_type=row.event_type,
        occurred_at=row.occurred_at,
        actor=row.actor,
        tenant=row.tenant,
        payload_sha256=row.payload_sha256,
    )


def _view(row: TraceEntry) -> archive_rpc.TraceEntryView:
    return archive_rpc.TraceEntryView(
        engagement_id=row.engagement_id,
        seq=row.seq,
        event_id=row.event_id,
        event_type=row.event_type,
        occurred_at=row.occurred_at,
        recorded_at=row.recorded_at,
        actor=row.actor,
        tenant=row.tenant,
        payload_sha256=row.payload_sha256,
        prev_hash=row.prev_hash,
        entry_hash=row.entry_hash,
    )
