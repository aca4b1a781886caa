"""The archive's check of the items an engagement record links as its evidence: the
handover's rules (items of this engagement, held by the caller's agency and visible to
the caller, filed), one typed error per way an id can be wrong. Changes nothing."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.archive import enums as archive_enums
from contracts.archive import errors as archive_errors
from contracts.archive import evidence as archive_evidence
from services.archive.catalogue import domain, repository


async def check(
    session: AsyncSession, req: archive_evidence.EvidenceCheckRequest
) -> archive_evidence.EvidenceCheckReply:
    # The engagement itself was found in the caller's scope by the gateway, and is again
    # by the engagement service when it links: an item of another agency is not found.
    ids = list(dict.fromkeys(req.item_ids))
    found = await repository.visible_items(session, req.caller, ids)
    for n, item_id in enumerate(ids):
        row = found.get(item_id)
        if row is None or not domain.agency_holds(req.caller, row.holding):
            raise archive_errors.EvidenceNotFound("no such archive item", field=_field(req, n))
        if row.engagement_id != req.engagement_id:
            raise archive_errors.EvidenceOtherEngagement(
                "the archive item belongs to another engagement", field=_field(req, n)
            )
        if row.status != archive_enums.ItemStatus.FILED:
            raise archive_errors.EvidenceNotFiled(
                "the archive item is {status}: only a filed item is evidence",
                field=_field(req, n),
                params={"status": str(row.status)},
            )
    return archive_evidence.EvidenceCheckReply(item_ids=ids)


def _field(req: archive_evidence.EvidenceCheckRequest, n: int) -> str:
    return f"{req.field}.{n}" if req.indexed else req.field
