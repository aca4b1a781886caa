"""The handover package (移交包): built on request as one ZIP, stored beside the items and
served by a signed, expiring URL as an attachment, like any archive download.

All or nothing: the caller must be a party to the handover (its agency, or its unit) and
may see and download every item in it. A package with items left out would not prove the
handover complete, so a caller short of clearance for one item gets `ArchiveRecordNotFound`
rather than a partial package. Issuing it is recorded (usage register per item and one
`download_url_issued` action naming the package and its SHA-256)."""

from __future__ import annotations

import json
import tempfile
import zipfile
from datetime import UTC, datetime, timedelta
from importlib import resources
from typing import IO, Any

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.archive import enums as archive_enums
from contracts.archive import errors as archive_errors
from contracts.archive import handover as archive_handover
from kit.ids import new_id
from kit.rpc import CallContext
from services.archive.catalogue import domain, repository
from services.archive.catalogue.commands.actions import record_action
from services.archive.catalogue.deps import CatalogueDeps
from services.archive.catalogue.models import ArchiveItem, UsageRecord
from services.archive.catalogue.package import contents
from services.archive.ledger import commands as ledger_commands
from services.archive.ledger.repository import checkpoints, tree

VERIFIER = "verify_package.py"
INSTRUCTIONS = "说明.txt"


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True).encode()


async def issue_package(
    deps: CatalogueDeps,
    session: AsyncSession,
    req: archive_handover.HandoverPackageRequest,
    ctx: CallContext,
) -> archive_handover.HandoverPackageView:
    handover = await repository.handover(session, req.handover_id)
    scope = req.caller.scope
    party = handover is not None and (
        handover.agency_id == scope.agency_id or handover.unit_id == scope.unit_id
    )
    if handover is None or not party:
        raise archive_errors.ArchiveRecordNotFound("no such handover", field="handover_id")
    lines = await repository.handover_lines(session, handover.id)
    items = await repository.items_in_order(session, [line.item_id for line in lines])
    if not all(domain.may_download(req.caller, item.holding) for item in items):
        raise archive_errors.ArchiveRecordNotFound("no such handover", field="handover_id")

    checkpoint = await ledger_commands.create_checkpoint(session, deps.signer)
    sealed = await checkpoints.get(session, handover.checkpoint_id)
    actions = await contents.archive_actions(session, handover.engagement_id)
    try:
        filings = [contents.filing_of(actions, item.id) for item in items]
        handed = contents.handing_over(actions, handover.id)
        leaves = [
            leaf
            for leaf in await tree.leaves_of_engagement(session, handover.engagement_id)
            if leaf.leaf_index < checkpoint.tree_size
        ]
        in_tree = {leaf.event_id for leaf in leaves}
        for record in [*filings, handed]:
            if record.event_id not in in_tree:
                raise contents.LedgerBehind(f"event {record.event_id} is not in the ledger yet")
    except contents.LedgerBehind as exc:
        raise archive_errors.ArchiveStateConflict(
            "the ledger is still catching up, try again shortly",
            field="handover_id",
            details={"behind": str(exc)},
        ) from None
    paths = [
        f"files/{n:02d}-{domain.display_filename(item.filename)}"
        for n, item in enumerate(items, start=1)
    ]
    data_of = {record.event_id: record.data for record in [*filings, handed]}
    consistency = await tree.consistency_path(session, sealed.tree_size, checkpoint.tree_size)
    manifest = contents.manifest(
        handover, items, paths, filings, handed, checkpoint, sealed, len(leaves)
    )
    proofs = await contents.proofs(session, leaves, checkpoint.tree_size, data_of)
    with tempfile.TemporaryFile() as archive:
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
            for item, path in zip(items, paths, strict=True):
                await _copy_item(deps, item, zf, path)
            zf.writestr("manifest.json", _json(manifest))
            zf.writestr("ledger/checkpoint.txt", checkpoint.note)
            zf.writestr("ledger/handover-checkpoint.txt", sealed.note)
            zf.writestr("ledger/public-key.txt", deps.signer.verifier_key + "\n")
            zf.writestr(
                "ledger/proofs.json",
                _json(
                    {
                        "tree_size": checkpoint.tree_size,
                        "entries": proofs,
                        "consistency": {
                            "from_size": sealed.tree_size,
                            "to_size": checkpoint.tree_size,
                            "path": [p.hex() for p in consistency],
                        },
                    }
                ),
            )
            package_files = resources.files(contents.__package__ or "")
            zf.writestr(VERIFIER, package_files.joinpath(VERIFIER).read_bytes())
            zf.writestr(INSTRUCTIONS, package_files.joinpath(INSTRUCTIONS).read_bytes())
        size = archive.tell()
        archive.seek(0)
        key = f"packages/{handover.engagement_id}/{handover.id}/{new_id()}.zip"
        stored = await deps.store.put(key, archive, length=size, content_type="application/zip")
    now = datetime.now(UTC)
    expires_at = now + timedelta(seconds=deps.settings.download_url_ttl)
    filename = f"移交包-{handover.handed_over_on or now.date()}-{str(handover.id)[:8]}.zip"
    url = await deps.store.presign_get(
        key, expires=expires_at - now, version_id=stored.version_id, filename=filename
    )
    for item in items:
        session.add(
            UsageRecord(
                id=new_id(),
                item_id=item.id,
                actor=ctx.actor,
                tenant=ctx.tenant,
                borrow_id=None,
                issued_at=now,
                expires_at=expires_at,
            )
        )
    await session.flush()
    await record_action(
        session,
        ctx,
        archive_enums.ArchiveAction.DOWNLOAD_URL_ISSUED,
        handover.engagement_id,
        items,
        agency_only=True,
        handover_id=str(handover.id),
        package_sha256=stored.sha256 or "",
        package_tree_size=str(checkpoint.tree_size),
        expires_at=expires_at.isoformat(),
    )
    return archive_handover.HandoverPackageView(
        handover_id=handover.id,
        url=url,
        expires_at=expires_at,
        sha256=stored.sha256 or "",
        size=size,
        filename=filename,
    )


async def _copy_item(
    deps: CatalogueDeps, item: ArchiveItem, zf: zipfile.ZipFile, path: str
) -> None:
    """The filed version's bytes, streamed into the archive entry."""
    chunks = await deps.store.get_stream(item.object_key, version_id=item.object_version)
    dst: IO[bytes]
    with zf.open(path, "w", force_zip64=True) as dst:
        try:
            async for chunk in chunks:
                dst.write(chunk)
        finally:
            await chunks.aclose()
