"""The archive's check of the items a record is to link (its evidence, or a checklist
document), run by the gateway before the engagement service links them — as the
handover's deliverables are. The engagement is found in the caller's scope first, so a
caller of another tenant learns nothing from the items' errors."""

from __future__ import annotations

from uuid import UUID

import strawberry

from contracts.archive import evidence as archive_evidence
from contracts.engagement.errors import EngagementNotFound
from gateway.archive.access import caller_of
from gateway.context import Context
from gateway.ids import decode_global_id


async def checked_items(
    ctx: Context,
    engagement_id: UUID,
    ids: list[strawberry.ID],
    field: str,
    *,
    indexed: bool = True,
) -> list[UUID]:
    """The items as the archive checked them (each once, in order); a typed error
    (EvidenceNotFound, EvidenceNotFiled, EvidenceOtherEngagement) names the wrong one."""
    if not ids:
        return []
    if await ctx.loaders.engagements.load(engagement_id) is None:
        raise EngagementNotFound("no such engagement", field="engagement_id")
    items = [
        decode_global_id(item, "ArchiveItem", field=f"{field}.{n}" if indexed else field)
        for n, item in enumerate(ids)
    ]
    checked = await ctx.clients.archive.check_evidence(
        archive_evidence.EvidenceCheckRequest(
            caller=caller_of(ctx),
            engagement_id=engagement_id,
            item_ids=items,
            field=field,
            indexed=indexed,
        )
    )
    return checked.item_ids
