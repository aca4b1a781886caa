"""Ledger use cases that change state: record process events in the engagement's chain
and the global log, and sign checkpoints of the log."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.core import EventEnvelope
from kit.logging import get_logger
from services.archive.ledger import domain
from services.archive.ledger.models import LedgerCheckpoint
from services.archive.ledger.repository import chains, checkpoints, tree
from services.archive.ledger.signing import Checkpoint, Signer

log = get_logger(__name__)


async def record(session: AsyncSession, event: EventEnvelope) -> None:
    """The inbox handler: every event joins the global log; one of an engagement also
    joins that engagement's chain first, so the log's leaf carries the chain link."""
    await record_many(session, [event])


async def record_many(session: AsyncSession, events: Sequence[EventEnvelope]) -> None:
    """Record events in this order, in one transaction: their chain links go in with one
    read of the chains' heads and one insert, their leaves together (`tree.append_many`)."""
    first = await tree.open_append(session)  # the append lock first: it queues replicas
    links = await link_to_chains(session, events)
    leaves = []
    for index, event in enumerate(events, start=first):
        link = links.get(event.event_id)
        leaves.append(
            domain.Leaf(
                index=index,
                event_id=event.event_id,
                event_type=event.type,
                occurred_at=event.occurred_at,
                actor=event.actor,
                tenant=event.tenant,
                payload_sha256=link["payload_sha256"] if link else _payload_sha256(event),
                engagement_id=event.engagement_id,
                chain_seq=link["seq"] if link else None,
                chain_hash=link["entry_hash"] if link else None,
            )
        )
    await tree.append_many(session, leaves)
    if leaves:
        log.info("ledger.appended", index=leaves[0].index, count=len(leaves))


def _payload_sha256(event: EventEnvelope) -> str:
    return domain.payload_digest(event.model_dump(mode="json")["data"])


async def link_to_chains(
    session: AsyncSession, events: Sequence[EventEnvelope]
) -> dict[UUID, dict[str, Any]]:
    """Record each engagement's event as the next link of its chain, in this order (events
    without an engagement have no chain to join); returns the trace rows by event id.

    The heads of all the chains concerned are read at once and followed in memory, so a
    batch costs two statements however many events and engagements it has."""
    chained = [e for e in events if e.engagement_id is not None]
    if not chained:
        return {}
    heads = await chains.heads(session, {e.engagement_id for e in chained if e.engagement_id})
    recorded_at = datetime.now(UTC)
    rows: dict[UUID, dict[str, Any]] = {}
    for event in chained:
        assert event.engagement_id is not None
        head = heads.get(event.engagement_id)
        entry = domain.ChainEntry(
            engagement_id=event.engagement_id,
            seq=head[0] + 1 if head else 1,
            event_id=event.event_id,
            event_type=event.type,
            occurred_at=event.occurred_at,
            actor=event.actor,
            tenant=event.tenant,
            payload_sha256=_payload_sha256(event),
        )
        prev_hash = head[1] if head else domain.GENESIS
        entry_hash = domain.link(prev_hash, entry)
        heads[event.engagement_id] = (entry.seq, entry_hash)
        rows[event.event_id] = {
            **asdict(entry),
            "recorded_at": recorded_at,
            "prev_hash": prev_hash,
            "entry_hash": entry_hash,
        }
    await chains.append(session, list(rows.values()))
    return rows


async def create_checkpoint(session: AsyncSession, signer: Signer) -> LedgerCheckpoint:
    """Sign the tree as it is now. Perfect subtrees never change once complete, so the
    root at this size is the same whatever appends commit meanwhile."""
    tree_size = await tree.size(session)
    # Whole seconds: the note's timestamp line has no fraction, and the row mirrors it.
    now = datetime.now(UTC).replace(microsecond=0)
    checkpoint = Checkpoint(signer.name, tree_size, await tree.root(session, tree_size), now)
    note = signer.sign(checkpoint.body())
    row = LedgerCheckpoint(
        tree_size=tree_size,
        root_hash=checkpoint.root.hex(),
        origin=signer.name,
        issued_at=now,
        key_id=signer.key_id.hex(),
        note=note,
    )
    session.add(row)
    await session.flush()
    log.info("ledger.checkpoint", tree_size=tree_size, root=checkpoint.root.hex(), id=row.id)
    return row


async def create_checkpoint_if_grown(
    session: AsyncSession, signer: Signer
) -> LedgerCheckpoint | None:
    """A checkpoint unless the newest one already covers the whole log (the periodic job:
    an idle ledger does not pile up identical checkpoints)."""
    last = await checkpoints.latest(session)
    if last is not None and last.tree_size == await tree.size(session):
        return None
    return await create_checkpoint(session, signer)
