"""The global log in the database: append leaves, fetch subtree hashes, roots and proofs.

Appends run inside the inbox consumer's transaction, so a leaf commits with the
inbox row of its event or not at all. One writer at a time: on PostgreSQL a
transaction-scoped advisory lock queues concurrent appenders (replicas), and the
primary key on `leaf_index` is the backstop (a racing duplicate position fails
and the event is redelivered); SQLite has a single writer by construction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import and_, func, insert, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from kit.errors import ValidationFailed
from services.archive import merkle
from services.archive.leaf import Leaf
from services.archive.merkle import NodeId
from services.archive.models import LedgerLeaf, LedgerNode

# Any constant works; it only has to be the same for every archive replica.
APPEND_LOCK = 0x6C6564676572  # "ledger"


async def lock_for_append(session: AsyncSession) -> None:
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": APPEND_LOCK})


async def size(session: AsyncSession) -> int:
    last = (await session.execute(select(func.max(LedgerLeaf.leaf_index)))).scalar()
    return 0 if last is None else int(last) + 1


async def append(session: AsyncSession, leaf: Leaf) -> bytes:
    """Store `leaf` (whose index must be the current size) and every perfect subtree it
    completes; O(log n) rows read and written. Returns the leaf hash."""
    needed: list[NodeId] = []
    index, level = leaf.index, 0
    while index & 1:  # a right child: its left sibling is complete and stored
        needed.append(NodeId(level, index - 1))
        index, level = index >> 1, level + 1
    siblings = await nodes(session, needed)
    hashed = leaf.hash()
    await session.execute(
        insert(LedgerLeaf).values(
            leaf_index=leaf.index,
            event_id=leaf.event_id,
            event_type=leaf.event_type,
            occurred_at=leaf.occurred_at,
            recorded_at=datetime.now(UTC),
            actor=leaf.actor,
            tenant=leaf.tenant,
            payload_sha256=leaf.payload_sha256,
            engagement_id=leaf.engagement_id,
            chain_seq=leaf.chain_seq,
            chain_hash=leaf.chain_hash,
            leaf_hash=hashed.hex(),
        )
    )
    h, made = hashed, []
    for node in needed:
        h = merkle.node_hash(siblings[node], h)
        made.append({"level": node.level + 1, "node_index": node.index >> 1, "hash": h.hex()})
    if made:
        await session.execute(insert(LedgerNode), made)
    return hashed


async def nodes(session: AsyncSession, wanted: Iterable[NodeId]) -> dict[NodeId, bytes]:
    """Hashes of perfect subtrees; level 0 are the leaves' own hashes. Two queries at most."""
    wanted = set(wanted)
    by_level: dict[int, list[int]] = defaultdict(list)
    for node in wanted:
        by_level[node.level].append(node.index)
    found: dict[NodeId, bytes] = {}
    if leaves := by_level.pop(0, None):
        rows = await session.execute(
            select(LedgerLeaf.leaf_index, LedgerLeaf.leaf_hash).where(
                LedgerLeaf.leaf_index.in_(leaves)
            )
        )
        found.update({NodeId(0, i): bytes.fromhex(h) for i, h in rows})
    if by_level:
        condition = or_(
            *(
                and_(LedgerNode.level == level, LedgerNode.node_index.in_(indexes))
                for level, indexes in by_level.items()
            )
        )
        stored = await session.execute(
            select(LedgerNode.level, LedgerNode.node_index, LedgerNode.hash).where(condition)
        )
        found.update({NodeId(lv, i): bytes.fromhex(h) for lv, i, h in stored})
    missing = wanted - found.keys()
    if missing:  # the tables were changed under us: no honest state lacks a complete node
        raise RuntimeError(f"ledger nodes missing: {sorted(missing)[:5]}")
    return found


async def resolve(session: AsyncSession, ranges: list[tuple[int, int]]) -> list[bytes]:
    found = await nodes(session, merkle.nodes_for(ranges))
    return merkle.resolve(ranges, found.__getitem__)


async def root(session: AsyncSession, tree_size: int) -> bytes:
    if tree_size == 0:
        return merkle.EMPTY_ROOT
    [h] = await resolve(session, [(0, tree_size)])
    return h


async def checked_size(session: AsyncSession, tree_size: int | None) -> int:
    """`tree_size`, or the current size when None; refuses sizes the log has not reached."""
    current = await size(session)
    if tree_size is None:
        return current
    if not 0 <= tree_size <= current:
        raise ValidationFailed(
            f"tree size must be between 0 and the current size {current}", field="tree_size"
        )
    return tree_size


async def inclusion_path(session: AsyncSession, index: int, tree_size: int) -> list[bytes]:
    if not 0 <= index < tree_size:
        raise ValidationFailed(
            f"entry {index} is not in a tree of size {tree_size}", field="tree_size"
        )
    return await resolve(session, merkle.inclusion_ranges(index, tree_size))


async def consistency_path(session: AsyncSession, old: int, new: int) -> list[bytes]:
    if not 0 <= old <= new:
        raise ValidationFailed("need 0 ≤ from ≤ to", field="from_size")
    return await resolve(session, merkle.consistency_ranges(old, new))
