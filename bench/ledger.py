"""Ledger: appending to the global Merkle log, and proofs at 10k and 1M entries.

    python -m bench.ledger [--n 10000] [--backend sqlite|postgresql|both] [--big 1000000]

Per backend, in a freshly migrated archive database:

- **append**: `n` events through `services.archive.ledger.commands.record` (the inbox
  handler's work, minus the inbox row), 100 events per transaction: the
  first append of a transaction takes the lock and checks the cached frontier
  against the last leaf, each append then writes its leaf and the nodes it
  completes in one statement. Events carry no engagement,
  so this is the tree alone, without the per-engagement chain.
- **append, batched**: another `n` events through `commands.record_many`, one
  call of 100 events per transaction (lock, frontier check, one INSERT).
- **baseline**: the same `ledger_leaf` INSERTs (same columns, a constant hash, no
  reads, no hashing, no node rows), 100 per transaction, into a second table
  of the same shape: what the tree costs on top of writing the rows.
- **proofs at 2n** (both append runs): inclusion proofs of 200 random entries and consistency proofs
  between 200 random sizes, generated from the database (`tree.inclusion_path`,
  `tree.consistency_path` + roots) and verified (`merkle.verify_*`).

Then proofs at `--big` leaves (default 1,000,000) from an **in-memory** tree: the
same stored-subtree layout in a dict, because filling a database with a million
events one by one would take this machine most of an hour (the append rate
above). Generation there is the same `merkle.*_ranges` + fold as from the
database, without the two queries.
"""

from __future__ import annotations

import random
import statistics
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Column, MetaData, Table, insert

from bench import common
from kit.db import Database
from kit.migrate import upgrade
from services.archive import app
from services.archive.ledger import commands, merkle
from services.archive.ledger.merkle import NodeId
from services.archive.ledger.repository import tree
from services.archive.models import Base

if TYPE_CHECKING:
    from tests.infra.postgres import PostgresInfo

BATCH = 100
PROOFS = 200


async def migrated(url: str) -> Database:
    db = Database(url, schema="archive")
    await upgrade(db, app.MIGRATIONS)
    return db


async def append(db: Database, n: int) -> common.Stopwatch:
    events = [common.bench_event("ledger", i) for i in range(n)]
    with common.Stopwatch() as sw:
        for chunk in common.batches(events, BATCH):
            async with db.transaction() as session:
                for e in chunk:
                    await commands.record(session, e)
    return sw


async def append_batched(db: Database, n: int) -> common.Stopwatch:
    """The same events through `commands.record_many`, one call per transaction."""
    events = [common.bench_event("ledger-many", i) for i in range(n)]
    with common.Stopwatch() as sw:
        for chunk in common.batches(events, BATCH):
            async with db.transaction() as session:
                await commands.record_many(session, chunk)
    return sw


async def baseline(db: Database, n: int) -> common.Stopwatch:
    """The leaf rows alone, into a copy of the table (the real one is full by now)."""
    leaves = Base.metadata.tables["ledger_leaf"]
    copy = Table(
        "ledger_leaf_baseline",
        MetaData(),
        *(
            Column(
                c.name,
                c.type,
                primary_key=c.primary_key,
                autoincrement=False,
                unique=c.name == "event_id",  # the same indexes as the real table
                index=c.name == "engagement_id",
            )
            for c in leaves.columns
        ),
    )
    async with db.engine.begin() as conn:
        await conn.run_sync(lambda c: copy.create(c, checkfirst=True))
    events = [common.bench_event("ledger", i) for i in range(n)]
    now = datetime.now(UTC)
    with common.Stopwatch() as sw:
        for start in range(0, n, BATCH):
            async with db.transaction() as session:
                for i, e in enumerate(events[start : start + BATCH], start=start):
                    await session.execute(
                        insert(copy).values(
                            leaf_index=i,
                            event_id=e.event_id,
                            event_type=e.type,
                            occurred_at=e.occurred_at,
                            recorded_at=now,
                            actor=e.actor,
                            tenant=e.tenant,
                            payload_sha256="0" * 64,
                            engagement_id=None,
                            chain_seq=None,
                            chain_hash=None,
                            leaf_hash="0" * 64,
                        )
                    )
    return sw


async def db_proofs(db: Database, n: int) -> tuple[float, float, float, float]:
    """Median µs: inclusion generate, verify; consistency generate, verify."""
    rng = random.Random(6962)
    gen_i, ver_i, gen_c, ver_c = [], [], [], []
    async with db.transaction() as session:
        root = await tree.root(session, n)
        for _ in range(PROOFS):
            index = rng.randrange(n)
            with common.Stopwatch() as sw:
                path = await tree.inclusion_path(session, index, n)
                [leaf] = (await tree.nodes(session, [NodeId(0, index)])).values()
            gen_i.append(sw.seconds)
            with common.Stopwatch() as sw:
                assert merkle.verify_inclusion(leaf, index, n, path, root)
            ver_i.append(sw.seconds)
            old = rng.randrange(1, n)
            with common.Stopwatch() as sw:
                proof = await tree.consistency_path(session, old, n)
                old_root = await tree.root(session, old)
            gen_c.append(sw.seconds)
            with common.Stopwatch() as sw:
                assert merkle.verify_consistency(old, n, proof, old_root, root)
            ver_c.append(sw.seconds)
    return _medians(gen_i, ver_i, gen_c, ver_c)


def memory_proofs(n: int) -> tuple[float, float, float, float, float]:
    """Build an n-leaf tree as stored subtrees in a dict; seconds to build, then median
    µs: inclusion generate, verify; consistency generate, verify."""
    nodes: dict[NodeId, bytes] = {}
    compact = merkle.CompactRange()
    with common.Stopwatch() as build:
        for i in range(n):
            nodes.update(compact.append(merkle.leaf_hash(i.to_bytes(8, "big"))))
    root = compact.root()
    rng = random.Random(9162)
    gen_i, ver_i, gen_c, ver_c = [], [], [], []
    for _ in range(PROOFS):
        index = rng.randrange(n)
        with common.Stopwatch() as sw:
            path = merkle.resolve(merkle.inclusion_ranges(index, n), nodes.__getitem__)
        gen_i.append(sw.seconds)
        with common.Stopwatch() as sw:
            assert merkle.verify_inclusion(nodes[NodeId(0, index)], index, n, path, root)
        ver_i.append(sw.seconds)
        old = rng.randrange(1, n)
        with common.Stopwatch() as sw:
            proof = merkle.resolve(merkle.consistency_ranges(old, n), nodes.__getitem__)
            [old_root] = merkle.resolve([(0, old)], nodes.__getitem__)
        gen_c.append(sw.seconds)
        with common.Stopwatch() as sw:
            assert merkle.verify_consistency(old, n, proof, old_root, root)
        ver_c.append(sw.seconds)
    return (build.seconds, *_medians(gen_i, ver_i, gen_c, ver_c))


def _medians(*series: list[float]) -> tuple[float, float, float, float]:
    a, b, c, d = (statistics.median(s) * 1e6 for s in series)
    return a, b, c, d


async def measure(
    backends: list[str], n: int, big: int, tmp: Path, pg: PostgresInfo | None
) -> None:
    appends: list[list[object]] = []
    proof_rows: list[list[object]] = []
    for backend in backends:
        if backend == "sqlite":
            url = common.sqlite_url(tmp / "archive.db")
        else:
            assert pg is not None
            url = pg.create_database(f"bench_ledger_{datetime.now(UTC):%H%M%S%f}")
        db = await migrated(url)
        try:
            ledger_sw = await append(db, n)
            many_sw = await append_batched(db, n)
            base_sw = await baseline(db, n)
            gi, vi, gc, vc = await db_proofs(db, 2 * n)
        finally:
            await db.dispose()
        for what, sw in (
            ("ledger append (record)", ledger_sw),
            ("ledger append (record_many)", many_sw),
            ("baseline: leaf rows only", base_sw),
        ):
            appends.append(
                [
                    backend,
                    what,
                    f"{sw.seconds:.2f}",
                    common.per_second(n, sw.seconds),
                    f"{sw.seconds / n * 1e6:,.0f}",
                ]
            )
        proof_rows.append(
            [f"{backend}, {2 * n:,} leaves", f"{gi:,.0f}", f"{vi:,.0f}", f"{gc:,.0f}", f"{vc:,.0f}"]
        )
    build, gi, vi, gc, vc = memory_proofs(big)
    proof_rows.append(
        [
            f"in memory, {big:,} leaves (built in {build:.1f} s)",
            f"{gi:,.0f}",
            f"{vi:,.0f}",
            f"{gc:,.0f}",
            f"{vc:,.0f}",
        ]
    )
    common.report(
        f"Ledger append: {n:,} events, {BATCH} per transaction",
        ["backend", "step", "seconds", "entries/s", "µs/entry"],
        appends,
    )
    common.report(
        f"Proofs (median µs of {PROOFS} random proofs)",
        ["tree", "inclusion: generate", "verify", "consistency: generate", "verify"],
        proof_rows,
    )


def main() -> None:
    p = common.parser(__doc__.splitlines()[0], n=10000, backend="both")
    p.add_argument("--big", type=int, default=1_000_000, help="leaves of the in-memory tree")
    args = p.parse_args()
    backends = common.start(args)
    with ExitStack() as stack:
        tmp = stack.enter_context(common.temp_dir("ledger"))
        pg = common.postgres_if_asked(stack, backends)
        common.run_async(measure(backends, args.n, args.big, tmp, pg), args.loop)


if __name__ == "__main__":
    common.run_main(main)
