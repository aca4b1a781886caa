"""What goes into a handover package, gathered from the catalogue, the ledger and the
archive's own outbox (which keeps the data of every archive action it recorded, so a
filing's data can be shown to hash to its signed leaf)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.archive import handover as archive_handover
from contracts.archive.enums import ArchiveAction, ItemCategory
from contracts.archive.events import ArchiveActionV1
from contracts.core import event_subject
from kit.auth import Level
from services.archive.catalogue.models import ArchiveItem, Handover
from services.archive.ledger.models import LedgerCheckpoint, LedgerLeaf
from services.archive.ledger.repository import tree
from services.archive.models import messaging

FORMAT = "ecohost-handover-package/1"

KIND_NAMES: dict[str, str] = {
    **{str(k): v for k, v in archive_handover.KIND_NAMES.items()},
    ItemCategory.PROCESS_FILE: "其他过程文件",
    ItemCategory.SERVICE_AGREEMENT: "托管服务协议",
    ItemCategory.SERVICE_PLAN: "托管服务方案",
    ItemCategory.STAGE_REPORT: "阶段性工作报告",
    ItemCategory.EVALUATION_RESULT: "绩效评价结果",
}
LEVEL_NAMES = {
    Level.PUBLIC: "公开",
    Level.INTERNAL: "内部",
    Level.SECRET: "秘密",
    Level.TOP_SECRET: "机密",
}


class LedgerBehind(Exception):
    """An event the package must prove is not in the ledger yet (the trace consumer lags)."""


@dataclass(frozen=True)
class ActionRecord:
    event_id: UUID
    data: dict[str, Any]


async def archive_actions(session: AsyncSession, engagement_id: UUID) -> list[ActionRecord]:
    """The engagement's archive actions as recorded in this service's outbox, in order."""
    outbox = messaging.outbox
    rows = await session.execute(
        select(outbox.c.payload)
        .where(outbox.c.subject == event_subject(ArchiveActionV1))
        .where(outbox.c.payload.contains(str(engagement_id)))
        .order_by(outbox.c.seq)
    )
    records = []
    for (payload,) in rows:
        envelope = json.loads(payload)
        if envelope.get("engagement_id") == str(engagement_id):
            records.append(ActionRecord(UUID(envelope["event_id"]), envelope["data"]))
    return records


def filing_of(actions: list[ActionRecord], item_id: UUID) -> ActionRecord:
    for record in actions:
        if record.data["action"] == ArchiveAction.FILED and str(item_id) in record.data["item_ids"]:
            return record
    raise LedgerBehind(f"no filing recorded for item {item_id}")


def handing_over(actions: list[ActionRecord], handover_id: UUID) -> ActionRecord:
    for record in actions:
        if record.data["action"] == ArchiveAction.HANDED_OVER and record.data["details"].get(
            "handover_id"
        ) == str(handover_id):
            return record
    raise LedgerBehind(f"the handover {handover_id} is not recorded yet")


def manifest(
    handover: Handover,
    items: list[ArchiveItem],
    paths: list[str],
    filings: list[ActionRecord],
    handed: ActionRecord,
    checkpoint: LedgerCheckpoint,
    sealed: LedgerCheckpoint,
    chain_length: int,
) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "handover_id": str(handover.id),
        "engagement_id": str(handover.engagement_id),
        "agency_id": str(handover.agency_id),
        "unit_id": str(handover.unit_id),
        "handed_over_on": handover.handed_over_on.isoformat() if handover.handed_over_on else None,
        "handed_over_by": handover.created_by,
        "handover_event_id": str(handed.event_id),
        "acknowledged_at": (
            handover.acknowledged_at.isoformat() if handover.acknowledged_at else None
        ),
        "representative": handover.representative,
        "waivers": [
            {**w, "kind_name": KIND_NAMES.get(w["kind"], w["kind"])} for w in handover.waivers
        ],
        "files": [
            {
                "file": path,
                "item_id": str(item.id),
                "kind": item.category,
                "kind_name": KIND_NAMES.get(item.category, item.category),
                "title": item.title,
                "version": item.version,
                "size": item.size,
                "sha256": item.sha256,
                "confidentiality": Level(item.level).name,
                "confidentiality_name": LEVEL_NAMES.get(Level(item.level), Level(item.level).name),
                "filing_event_id": str(filing.event_id),
            }
            for item, path, filing in zip(items, paths, filings, strict=True)
        ],
        "ledger": {
            "checkpoint": "ledger/checkpoint.txt",
            "tree_size": checkpoint.tree_size,
            "handover_checkpoint": "ledger/handover-checkpoint.txt",
            "handover_tree_size": sealed.tree_size,
            "public_key": "ledger/public-key.txt",
            "proofs": "ledger/proofs.json",
            "engagement_chain_length": chain_length,
        },
    }


async def proofs(
    session: AsyncSession,
    leaves: list[LedgerLeaf],
    size: int,
    data_of: dict[UUID, dict[str, Any]],
) -> list[dict[str, Any]]:
    """An inclusion proof for each leaf against the tree of `size`, with the event's data
    where the package relies on it (filings, the handover)."""
    out = []
    for row in leaves:
        path = await tree.inclusion_path(session, row.leaf_index, size)
        proof: dict[str, Any] = {
            "leaf_index": row.leaf_index,
            "leaf": row.leaf().canonical().decode(),
            "inclusion_path": [p.hex() for p in path],
        }
        if row.event_id in data_of:
            proof["event_data"] = data_of[row.event_id]
        out.append(proof)
    return out
