"""`ecohost ledger verify`: re-check the whole ledger from its rows, trusting nothing
stored but the checkpoints' signatures under the key the caller supplies.

1. Every engagement chain, link by link (`domain.first_broken`).
2. Every leaf, in index order: no gap, its stored hash is the hash of its content,
   its chain link is the chain's. This names the first bad entry of any row that
   was changed, deleted or moved.
3. The tree rebuilt from the stored leaf hashes: every stored subtree node must
   match (proofs are served from them).
4. Every checkpoint: the signature under the given key, its columns equal to its
   signed text, and its root equal to the rebuilt root at its size. A log rewritten
   consistently (leaf hashes and nodes too) shows up here, between the last
   checkpoint that still holds and the first that does not.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from services.archive.ledger import domain, merkle
from services.archive.ledger.merkle import NodeId
from services.archive.ledger.models import LedgerCheckpoint, TraceEntry
from services.archive.ledger.repository import chains, checkpoints, tree
from services.archive.ledger.signing import open_note, parse_checkpoint

BATCH = 2048


class ProblemKind(StrEnum):
    """What part of the ledger a problem was found in."""

    CHAIN = "chain"
    ENTRY = "entry"
    NODE = "node"
    CHECKPOINT = "checkpoint"


@dataclass
class Problem:
    kind: ProblemKind
    where: str
    detail: str
    first_bad_entry: int | None = None

    def line(self) -> str:
        return f"{self.kind} {self.where}: {self.detail}"


@dataclass
class Report:
    entries: int = 0
    chains: int = 0
    checkpoints: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.problems

    @property
    def first_bad_entry(self) -> int | None:
        """The lowest entry found bad by itself; failing that, the start of the range a
        failing checkpoint narrows a consistent rewrite down to."""
        for kind in (ProblemKind.ENTRY, ProblemKind.CHECKPOINT):
            bad = [p.first_bad_entry for p in self.problems if p.kind == kind]
            if found := [b for b in bad if b is not None]:
                return min(found)
        return None

    def lines(self) -> list[str]:
        return [p.line() for p in self.problems]

    def as_dict(self) -> dict[str, object]:
        return {
            "valid": self.valid,
            "entries": self.entries,
            "chains": self.chains,
            "checkpoints": self.checkpoints,
            "first_bad_entry": self.first_bad_entry,
            "problems": self.lines(),
        }


async def verify_ledger(
    session: AsyncSession,
    origin: str,
    public_key: bytes,
    *,
    kept: Sequence[str] = (),
    max_problems: int = 50,
) -> Report:
    """`kept`: signed checkpoint notes held outside the database (the last one
    published, say). Checked like the stored ones, they catch what the stored ones
    cannot: a database restored from before them, whose own checkpoints are as old."""
    report = Report()
    links = await _chains(session, report)
    outside = [cp for note in kept if (cp := _kept(note, origin, public_key, report))]
    await _tree(session, report, origin, public_key, links, outside)
    del report.problems[max_problems:]
    return report


Links = dict[tuple[UUID, int], str]


async def _chains(session: AsyncSession, report: Report) -> Links:
    """Check every chain; return each link's hash by (engagement, seq) for step 2."""
    by_engagement: dict[UUID, list[TraceEntry]] = defaultdict(list)
    async for row in chains.every_entry(session):
        by_engagement[row.engagement_id].append(row)
    report.chains = len(by_engagement)
    for engagement, chain in by_engagement.items():
        bad = domain.first_broken((r.chain_entry(), r.prev_hash, r.entry_hash) for r in chain)
        if bad is not None:
            report.problems.append(
                Problem(ProblemKind.CHAIN, str(engagement), f"first bad seq {bad}")
            )
    return {(e, r.seq): r.entry_hash for e, chain in by_engagement.items() for r in chain}


def _kept(note: str, origin: str, public_key: bytes, report: Report) -> LedgerCheckpoint | None:
    """A checkpoint note from outside the database, as an unsaved row (id None)."""
    body = open_note(note, origin, public_key)
    try:
        signed = parse_checkpoint(body) if body is not None else None
    except ValueError:
        signed = None
    if signed is None:
        report.problems.append(
            Problem(ProblemKind.CHECKPOINT, "kept", "not a checkpoint signed by the key")
        )
        return None
    return LedgerCheckpoint(
        tree_size=signed.size, root_hash=signed.root.hex(), origin=signed.origin, note=note
    )


def _where(cp: LedgerCheckpoint) -> str:
    stored = f"#{cp.id}" if cp.id is not None else "kept"
    return f"{stored} (size {cp.tree_size})"


async def _tree(
    session: AsyncSession,
    report: Report,
    origin: str,
    public_key: bytes,
    links: Links,
    outside: Sequence[LedgerCheckpoint] = (),
) -> None:
    stored_checkpoints = await checkpoints.by_size(session)
    report.checkpoints = len(stored_checkpoints)
    every_checkpoint = sorted([*stored_checkpoints, *outside], key=lambda cp: cp.tree_size)
    signed = [(cp, _signed_root(cp, origin, public_key, report)) for cp in every_checkpoint]
    compact = merkle.CompactRange()
    made: dict[NodeId, bytes] = {}
    last_good = 0
    pending = iter(signed)
    next_cp = next(pending, None)

    def check_checkpoints_at(size: int) -> None:
        nonlocal next_cp, last_good
        while next_cp is not None and next_cp[0].tree_size == size:
            cp, root = next_cp
            if root is not None and root != compact.root():
                report.problems.append(
                    Problem(
                        ProblemKind.CHECKPOINT,
                        _where(cp),
                        f"root differs from the log: an entry in [{last_good}, {size}) was "
                        "rewritten",
                        first_bad_entry=last_good,
                    )
                )
            elif root is not None:
                last_good = size
            next_cp = next(pending, None)

    check_checkpoints_at(0)
    async for row in tree.every_leaf(session):
        expected = compact.size
        if row.leaf_index != expected:
            report.problems.append(
                Problem(ProblemKind.ENTRY, str(expected), "missing", first_bad_entry=expected)
            )
            break  # positions after a gap cannot be checked against anything
        hashed = row.leaf().hash()
        if hashed.hex() != row.leaf_hash:
            report.problems.append(
                Problem(
                    ProblemKind.ENTRY, str(expected), "content does not match its hash", expected
                )
            )
        elif row.engagement_id is not None and (
            row.chain_seq is None or links.get((row.engagement_id, row.chain_seq)) != row.chain_hash
        ):
            report.problems.append(
                Problem(
                    ProblemKind.ENTRY,
                    str(expected),
                    "not the link its engagement chain has",
                    expected,
                )
            )
        # The tree is rebuilt from the *stored* leaf hashes: a row whose content no longer
        # matches is reported above, and each layer is checked only against the one below.
        stored = bytes.fromhex(row.leaf_hash)
        made.update({n: h for n, h in compact.append(stored) if n.level > 0})
        check_checkpoints_at(compact.size)
        if len(made) >= BATCH:
            await _compare_nodes(session, made, report)
            made.clear()
    await _compare_nodes(session, made, report)
    report.entries = compact.size
    for cp, _root in [next_cp, *pending] if next_cp else []:
        rolled_back = " (a database restored from before this checkpoint?)"
        report.problems.append(
            Problem(
                ProblemKind.CHECKPOINT,
                _where(cp),
                f"the log has only {compact.size} entries" + (rolled_back if cp.id is None else ""),
                first_bad_entry=compact.size,
            )
        )


def _signed_root(
    cp: LedgerCheckpoint, origin: str, public_key: bytes, report: Report
) -> bytes | None:
    """The root the checkpoint's valid signature vouches for, else None (and a problem)."""
    where = _where(cp)
    body = open_note(cp.note, origin, public_key)
    if body is None:
        report.problems.append(
            Problem(ProblemKind.CHECKPOINT, where, "no valid signature by the key")
        )
        return None
    try:
        signed = parse_checkpoint(body)
    except ValueError as exc:
        report.problems.append(Problem(ProblemKind.CHECKPOINT, where, f"unreadable: {exc}"))
        return None
    if (signed.size, signed.root.hex(), signed.origin) != (cp.tree_size, cp.root_hash, origin):
        report.problems.append(
            Problem(ProblemKind.CHECKPOINT, where, "columns differ from the signed note")
        )
        return None
    return signed.root


async def _compare_nodes(
    session: AsyncSession, expected: dict[NodeId, bytes], report: Report
) -> None:
    stored = await tree.stored_nodes_spanning(session, expected)
    for node in sorted(expected):
        if stored.get(node) != expected[node].hex():
            first = node.index << node.level
            report.problems.append(
                Problem(
                    ProblemKind.NODE,
                    f"level {node.level} index {node.index}",
                    f"stored subtree over entries [{first}, {first + (1 << node.level)}) "
                    "differs from the entries",
                )
            )
