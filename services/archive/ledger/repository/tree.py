"""The global log in the database: append leaves, read them back, fetch subtree hashes,
roots and proofs.

Appends run inside the inbox consumer's transaction, so a leaf commits with the
inbox row of its event or not at all. One writer at a time: on PostgreSQL a
transaction-scoped advisory lock queues concurrent appenders (replicas), and the
primary key on `leaf_index` is the backstop (a racing duplicate position fails
and the event is redelivered); SQLite has a single writer by construction.

Appends do not read the tree: each process keeps the tree's right frontier (one
subtree hash per set bit of the size, `merkle.CompactRange`), checked under the
lock against the database's last leaf once per transaction and reloaded when
another replica (or a rolled-back transaction) moved the log.
"""

from __future__ import annotations

import weakref
from collections import defaultdict
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy import Engine, and_, event, func, insert, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

from contracts.core import ValidationFailed
from services.archive.ledger import merkle
from services.archive.ledger.domain import Leaf
from services.archive.ledger.merkle import NodeId
from services.archive.ledger.models import LedgerLeaf, LedgerNode

# Any constant works; it only has to be the same for every archive replica.
APPEND_LOCK = 0x6C6564676572  # "ledger"


async def lock_for_append(session: AsyncSession) -> None:
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": APPEND_LOCK})


async def size(session: AsyncSession) -> int:
    last = (await session.execute(select(func.max(LedgerLeaf.leaf_index)))).scalar()
    return 0 if last is None else int(last) + 1


@dataclass(slots=True)
class _Frontier:
    """The right frontier of the tree at `tree.size` and the hash of its last leaf (the
    cheap check that the database still holds exactly this tree)."""

    tree: merkle.CompactRange
    last_leaf: bytes | None

    def copy(self) -> _Frontier:
        return _Frontier(self.tree.copy(), self.last_leaf)


@dataclass(slots=True)
class _Pending:
    """The frontier inside one transaction that holds the append lock."""

    transaction: SessionTransaction
    engine: Engine
    frontier: _Frontier


# Per process and database: the frontier as of the last commit this process made. Only
# committed states get here (after_commit below), and committed leaves are never removed,
# so "the database's last leaf is (size - 1, last_leaf)" proves it is still current.
_committed: weakref.WeakKeyDictionary[Engine, _Frontier] = weakref.WeakKeyDictionary()
_PENDING = "archive.ledger.pending"


@event.listens_for(Session, "after_commit")
def _promote(session: Session) -> None:
    if session.get_nested_transaction() is not None:
        return  # a savepoint released: the transaction may still roll back
    pending = session.info.pop(_PENDING, None)
    if isinstance(pending, _Pending) and pending.transaction is session.get_transaction():
        _committed[pending.engine] = pending.frontier


@event.listens_for(Session, "after_rollback")
def _discard(session: Session) -> None:
    # Any rollback, a savepoint's too, may have taken appended leaves with it.
    session.info.pop(_PENDING, None)


def _pending(session: AsyncSession) -> _Pending | None:
    pending = session.info.get(_PENDING)
    if (
        isinstance(pending, _Pending)
        and pending.transaction is session.sync_session.get_transaction()
    ):
        return pending
    return None


async def open_append(session: AsyncSession) -> int:
    """Take the append lock (PostgreSQL) and make the frontier ready; returns the index the
    next leaf gets. The first call in a transaction costs the lock and one indexed read of
    the last leaf; later ones in the same transaction cost nothing. After another replica
    appended, or after a rollback, the cached frontier no longer matches the last leaf and
    is reloaded (at most two queries for its O(log n) subtrees)."""
    pending = _pending(session) or await _validated(session)
    return pending.frontier.tree.size


async def _validated(session: AsyncSession) -> _Pending:
    await lock_for_append(session)
    last = (
        await session.execute(
            select(LedgerLeaf.leaf_index, LedgerLeaf.leaf_hash)
            .order_by(LedgerLeaf.leaf_index.desc())
            .limit(1)
        )
    ).first()
    tree_size = 0 if last is None else int(last[0]) + 1
    last_leaf = None if last is None else bytes.fromhex(last[1])
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    cached = _committed.get(engine)
    if cached is not None and cached.tree.size == tree_size and cached.last_leaf == last_leaf:
        frontier = cached.copy()
    else:
        frontier = await _load(session, tree_size, last_leaf)
    transaction = session.sync_session.get_transaction()
    assert transaction is not None, "appends run inside a transaction"
    pending = _Pending(transaction, engine, frontier)
    session.info[_PENDING] = pending
    return pending


async def _load(session: AsyncSession, tree_size: int, last_leaf: bytes | None) -> _Frontier:
    ids = merkle.range_nodes(0, tree_size)
    found = await nodes(session, ids)
    return _Frontier(merkle.CompactRange.of(tree_size, [found[n] for n in ids]), last_leaf)


async def append(session: AsyncSession, leaf: Leaf) -> bytes:
    """Store `leaf` (whose index must be `open_append`'s) and every perfect subtree it
    completes. Returns the leaf hash."""
    [hashed] = await append_many(session, [leaf])
    return hashed


# Rows per statement: far below PostgreSQL's 32,767 bind parameters at 12 per leaf.
_CHUNK = 1000


async def append_many(session: AsyncSession, leaves: Sequence[Leaf]) -> list[bytes]:
    """Store consecutive leaves (the first at `open_append`'s index) and every perfect
    subtree they complete, computed from the frontier without reads: one statement per
    1,000 leaves on PostgreSQL (the leaf rows in a CTE of the node rows' INSERT), two
    elsewhere. Returns the leaf hashes."""
    pending = _pending(session) or await _validated(session)
    grown = pending.frontier.copy()
    hashes: list[bytes] = []
    now = datetime.now(UTC)
    for start in range(0, len(leaves), _CHUNK):
        leaf_rows: list[dict[str, object]] = []
        node_rows: list[dict[str, object]] = []
        for leaf in leaves[start : start + _CHUNK]:
            if leaf.index != grown.tree.size:
                raise RuntimeError(
                    f"leaf {leaf.index} appended to a tree of size {grown.tree.size}"
                )
            hashed = leaf.hash()
            for node, h in grown.tree.append(hashed)[1:]:  # [0] is the leaf itself
                node_rows.append({"level": node.level, "node_index": node.index, "hash": h.hex()})
            grown.last_leaf = hashed
            hashes.append(hashed)
            leaf_rows.append(_leaf_row(leaf, hashed, now))
        await _write(session, leaf_rows, node_rows)
    pending.frontier = grown  # only once the rows are in
    return hashes


def _leaf_row(leaf: Leaf, hashed: bytes, now: datetime) -> dict[str, object]:
    return {
        "leaf_index": leaf.index,
        "event_id": leaf.event_id,
        "event_type": leaf.event_type,
        "occurred_at": leaf.occurred_at,
        "recorded_at": now,
        "actor": leaf.actor,
        "tenant": leaf.tenant,
        "payload_sha256": leaf.payload_sha256,
        "engagement_id": leaf.engagement_id,
        "chain_seq": leaf.chain_seq,
        "chain_hash": leaf.chain_hash,
        "leaf_hash": hashed.hex(),
    }


# PostgreSQL: the whole batch in one fixed statement (cached and prepared once), the rows
# as arrays; the leaf INSERT is a CTE of the node INSERT, so they succeed or fail together.
_PG_APPEND = text(
    """
    WITH new_leaves AS (
        INSERT INTO ledger_leaf (leaf_index, event_id, event_type, occurred_at, recorded_at,
                                 actor, tenant, payload_sha256, engagement_id, chain_seq,
                                 chain_hash, leaf_hash)
        SELECT u.leaf_index, u.event_id, u.event_type, u.occurred_at,
               CAST(:recorded_at AS timestamptz), u.actor, u.tenant, u.payload_sha256,
               u.engagement_id, u.chain_seq, u.chain_hash, u.leaf_hash
        FROM unnest(CAST(:leaf_index AS bigint[]), CAST(:event_id AS uuid[]),
                    CAST(:event_type AS text[]), CAST(:occurred_at AS timestamptz[]),
                    CAST(:actor AS text[]), CAST(:tenant AS text[]),
                    CAST(:payload_sha256 AS text[]), CAST(:engagement_id AS uuid[]),
                    CAST(:chain_seq AS integer[]), CAST(:chain_hash AS text[]),
                    CAST(:leaf_hash AS text[]))
             AS u(leaf_index, event_id, event_type, occurred_at, actor, tenant,
                  payload_sha256, engagement_id, chain_seq, chain_hash, leaf_hash)
    )
    INSERT INTO ledger_node (level, node_index, hash)
    SELECT * FROM unnest(CAST(:level AS smallint[]), CAST(:node_index AS bigint[]),
                         CAST(:hash AS text[]))
    """
)


async def _write(
    session: AsyncSession, leaf_rows: list[dict[str, object]], node_rows: list[dict[str, object]]
) -> None:
    if not leaf_rows:
        return
    if session.get_bind().dialect.name == "postgresql":
        params: dict[str, object] = {
            column: [row[column] for row in leaf_rows]
            for column in leaf_rows[0]
            if column != "recorded_at"
        }
        params["recorded_at"] = leaf_rows[0]["recorded_at"]
        for column in ("level", "node_index", "hash"):
            params[column] = [row[column] for row in node_rows]
        await session.execute(_PG_APPEND, params)
        return
    await session.execute(insert(LedgerLeaf), leaf_rows)
    if node_rows:
        await session.execute(insert(LedgerNode), node_rows)


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
            "tree size must be between 0 and the current size {current}",
            field="tree_size",
            params={"current": current},
        )
    return tree_size


async def inclusion_path(session: AsyncSession, index: int, tree_size: int) -> list[bytes]:
    if not 0 <= index < tree_size:
        raise ValidationFailed(
            "entry {index} is not in a tree of size {tree_size}",
            field="tree_size",
            params={"index": index, "tree_size": tree_size},
        )
    return await resolve(session, merkle.inclusion_ranges(index, tree_size))


async def inclusion_paths(
    session: AsyncSession, indexes: Sequence[int], tree_size: int
) -> tuple[dict[int, list[bytes]], bytes]:
    """The inclusion path of each leaf in a tree of `tree_size`, and that tree's root,
    from one read of the nodes they need (two queries whatever the number of leaves)."""
    if tree_size == 0:
        return {}, merkle.EMPTY_ROOT
    for index in indexes:
        if not 0 <= index < tree_size:
            raise ValidationFailed(
                "entry {index} is not in a tree of size {tree_size}",
                field="tree_size",
                params={"index": index, "tree_size": tree_size},
            )
    ranges = {index: merkle.inclusion_ranges(index, tree_size) for index in indexes}
    whole = [(0, tree_size)]
    found = await nodes(
        session, merkle.nodes_for(whole).union(*(merkle.nodes_for(r) for r in ranges.values()))
    )
    [root_hash] = merkle.resolve(whole, found.__getitem__)
    paths = {index: merkle.resolve(r, found.__getitem__) for index, r in ranges.items()}
    return paths, root_hash


async def consistency_path(session: AsyncSession, old: int, new: int) -> list[bytes]:
    if not 0 <= old <= new:
        raise ValidationFailed("need 0 ≤ from ≤ to", field="from_size")
    return await resolve(session, merkle.consistency_ranges(old, new))


async def leaf(session: AsyncSession, index: int) -> LedgerLeaf | None:
    return await session.get(LedgerLeaf, index)


async def leaves_at(session: AsyncSession, indexes: Iterable[int]) -> dict[int, LedgerLeaf]:
    rows = await session.execute(select(LedgerLeaf).where(LedgerLeaf.leaf_index.in_(indexes)))
    return {r.leaf_index: r for r in rows.scalars()}


async def leaves_of_events(
    session: AsyncSession, event_ids: Iterable[UUID]
) -> dict[UUID, LedgerLeaf]:
    rows = await session.execute(select(LedgerLeaf).where(LedgerLeaf.event_id.in_(event_ids)))
    return {r.event_id: r for r in rows.scalars()}


async def leaves_of_engagement(session: AsyncSession, engagement_id: UUID) -> list[LedgerLeaf]:
    """The engagement's leaves in chain order."""
    rows = await session.execute(
        select(LedgerLeaf)
        .where(LedgerLeaf.engagement_id == engagement_id)
        .order_by(LedgerLeaf.chain_seq)
    )
    return list(rows.scalars())


async def every_leaf(session: AsyncSession) -> AsyncIterator[LedgerLeaf]:
    """The whole log in index order, streamed."""
    rows = await session.stream_scalars(select(LedgerLeaf).order_by(LedgerLeaf.leaf_index))
    async for row in rows:
        yield row


async def stored_nodes_spanning(
    session: AsyncSession, wanted: Iterable[NodeId]
) -> dict[NodeId, str]:
    """The stored hashes (hex) of every node from the lowest to the highest wanted index
    of each wanted level: one range scan per level, in one query."""
    by_level: dict[int, list[int]] = defaultdict(list)
    for n in wanted:
        by_level[n.level].append(n.index)
    if not by_level:
        return {}
    rows = await session.execute(
        select(LedgerNode.level, LedgerNode.node_index, LedgerNode.hash).where(
            or_(
                *(
                    and_(
                        LedgerNode.level == level,
                        LedgerNode.node_index.between(min(ids), max(ids)),
                    )
                    for level, ids in by_level.items()
                )
            )
        )
    )
    return {NodeId(lv, i): h for lv, i, h in rows}
