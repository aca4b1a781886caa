"""`ecohost ledger verify|proof|consistency`: the archive's ledger from the command line.

These read the archive's database directly (its settings, `ECOHOST_ARCHIVE_*`), so
they work while the services are down, which is when an audit is most useful.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from contracts.archive.rpc import InclusionProofView, LedgerEntryView

T = TypeVar("T")


def add_parser(sub: Any) -> None:
    ledger = sub.add_parser("ledger", help="verify the trace ledger, export proofs")
    cmds = ledger.add_subparsers(dest="ledger_command", required=True)
    verify = cmds.add_parser(
        "verify",
        help="check every engagement chain, every entry, the Merkle tree and every "
        "checkpoint; name the first bad entry (exit 1 if any)",
    )
    verify.add_argument("engagement_id", nargs="?", help="only this engagement's chain")
    verify.add_argument(
        "--verifier-key",
        help="check checkpoints against this key (`name+id+base64`); default: the "
        "archive's configured signing key",
    )
    verify.add_argument(
        "--checkpoint",
        type=Path,
        action="append",
        default=[],
        metavar="FILE",
        help="also check against this signed checkpoint note, kept outside the database "
        "(e.g. the last one published): a database restored from before it, or rewritten "
        "since, fails (rollback detection); repeat for several",
    )
    proof = cmds.add_parser(
        "proof",
        help="export an entry's inclusion proof and checkpoint as JSON for tools/verify_ledger.py",
    )
    which = proof.add_mutually_exclusive_group(required=True)
    which.add_argument("--index", type=int)
    which.add_argument("--event-id")
    proof.add_argument("--tree-size", type=int, help="default: the latest checkpoint")
    proof.add_argument("--out", type=Path, help="write here instead of stdout")
    consistency = cmds.add_parser("consistency", help="consistency proof between two sizes")
    consistency.add_argument("from_size", type=int)
    consistency.add_argument("to_size", type=int)


def run(args: argparse.Namespace) -> int:
    match args.ledger_command:
        case "verify" if args.engagement_id:
            result = asyncio.run(_in_archive(lambda s: _verify_chain(s, args.engagement_id)))
        case "verify":
            kept = [path.read_text() for path in args.checkpoint]
            result = asyncio.run(_in_archive(lambda s: _verify_all(s, args.verifier_key, kept)))
        case "proof":
            result = asyncio.run(
                _in_archive(lambda s: _proof(s, args.index, args.event_id, args.tree_size))
            )
        case "consistency":
            result = asyncio.run(
                _in_archive(lambda s: _consistency(s, args.from_size, args.to_size))
            )
        case _:
            return 2
    text = json.dumps(result, indent=2, ensure_ascii=False, default=str)
    if getattr(args, "out", None):
        args.out.write_text(text + "\n")
    else:
        print(text)
    return 0 if result.get("valid", True) else 1


async def _in_archive(use: Callable[[AsyncSession], Awaitable[T]]) -> T:
    from services.archive import app

    runtime = app.build()
    try:
        async with runtime.db.transaction() as session:
            return await use(session)
    finally:
        await runtime.db.dispose()


def verifier(vkey: str | None) -> tuple[str, bytes]:
    """The key checkpoints must be signed with: the given one, else the configured one
    (never generated here: an audit must not invent a key)."""
    from services.archive.ledger.signing import parse_verifier_key, signer_from_seed
    from services.archive.settings import ArchiveSettings

    if vkey:
        return parse_verifier_key(vkey)
    settings = ArchiveSettings()
    if settings.ledger_signing_key is not None:
        seed = settings.ledger_signing_key.get_secret_value()
    elif settings.ledger_key_file.exists():
        seed = settings.ledger_key_file.read_text()
    else:
        raise SystemExit("no ledger key configured: pass --verifier-key")
    signer = signer_from_seed(settings.ledger_origin, seed)
    return signer.name, signer.public_key


async def _verify_chain(session: AsyncSession, engagement_id: str) -> dict[str, Any]:
    from contracts.archive import rpc as archive_rpc
    from services.archive.ledger import queries

    reply = await queries.verify_chain(
        session, archive_rpc.VerifyTraceRequest(engagement_id=UUID(engagement_id))
    )
    return reply.model_dump(mode="json")


async def _verify_all(session: AsyncSession, vkey: str | None, kept: list[str]) -> dict[str, Any]:
    from services.archive.ledger.audit import verify_ledger

    name, public_key = verifier(vkey)
    return (await verify_ledger(session, name, public_key, kept=kept)).as_dict()


async def _proof(
    session: AsyncSession, index: int | None, event_id: str | None, tree_size: int | None
) -> dict[str, Any]:
    from contracts.archive import rpc as archive_rpc
    from services.archive.ledger import queries

    if event_id is not None:
        wanted = archive_rpc.LedgerEntriesRequest(event_ids=[UUID(event_id)])
        [entry] = (await queries.entries(session, wanted)).items
        if entry is None:
            raise SystemExit(f"no ledger entry for event {event_id}")
        index = entry.index
    assert index is not None
    proof = await queries.inclusion_proof(
        session, archive_rpc.InclusionProofRequest(index=index, tree_size=tree_size)
    )
    [entry] = (
        await queries.entries(session, archive_rpc.LedgerEntriesRequest(indexes=[index]))
    ).items
    if proof.checkpoint is None or entry is None:
        raise SystemExit(
            f"no checkpoint of size {proof.tree_size}: make one (createCheckpoint) first"
        )
    name, public_key = verifier(None)
    return export_bundle(name, public_key, entry, proof)


def export_bundle(
    name: str, public_key: bytes, entry: LedgerEntryView, proof: InclusionProofView
) -> dict[str, Any]:
    """The JSON document tools/verify_ledger.py checks (docs/ledger.md, "Export")."""
    from services.archive.ledger.signing import verifier_key

    assert proof.checkpoint is not None
    return {
        "verifier_key": verifier_key(name, public_key),
        "checkpoint": proof.checkpoint.note,
        "leaf": entry.leaf,
        "leaf_index": proof.leaf_index,
        "tree_size": proof.tree_size,
        "inclusion_path": proof.path,
    }


async def _consistency(session: AsyncSession, old: int, new: int) -> dict[str, Any]:
    from contracts.archive import rpc as archive_rpc
    from services.archive.ledger import queries

    reply = await queries.consistency_proof(
        session, archive_rpc.ConsistencyProofRequest(from_size=old, to_size=new)
    )
    return reply.model_dump(mode="json")
