"""The archive catalogue's use cases on a migrated database (SQLite and PostgreSQL) with
both object stores (the local store and S3): upload and verification, handover with a
checkpoint, auto-filing under redelivery, destruction with a tombstone, the upload sweep
and the object audit behind `ecohost archive verify` (R4.2.4.2, R4.2.4.3, R8)."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime

import pytest
from minio.error import S3Error

from contracts.archive import enums as archive_enums
from contracts.archive import errors as archive_errors
from contracts.archive import rpc_catalogue as c
from kit.db import Database
from kit.ids import new_id
from kit.storage import ObjectNotFound
from kit.storage.base import OBJECT_LOCK_GOVERNANCE, OBJECT_LOCK_NOT_SUPPORTED
from kit.storage.s3 import S3Store
from services.archive.catalogue import queries, repository
from services.archive.catalogue.audit import verify_objects
from services.archive.catalogue.commands import borrowing, destruction, filing, handover, uploads
from services.archive.catalogue.deps import CatalogueDeps
from services.archive.catalogue.models import ArchiveItem
from services.archive.ledger.signing import Signer
from services.archive.settings import ArchiveSettings
from tests.archive.catalogue_steps import (
    AGENCY_CALLER,
    CLIENT,
    CONTENT,
    KEEPER,
    OTHER_AGENCY,
    PM,
    UNIT_CALLER,
    engagement_created_event,
    filed,
    hand_over,
    outbox_count,
    send,
    stage_report_event,
    upload_request,
)
from tests.archive.stores import ON_EVERY_STORE


@ON_EVERY_STORE
async def test_R4_2_4_2_upload_is_verified_then_handed_over_with_a_checkpoint(
    db: Database, archive: CatalogueDeps
):
    engagement = new_id()
    item = await filed(db, archive, engagement)
    assert (item.status, item.filename, item.size) == (
        archive_enums.ItemStatus.FILED,
        "成果报告.pdf",
        len(CONTENT),
    )
    assert item.sha256 == hashlib.sha256(CONTENT).hexdigest()

    async with db.transaction() as s:
        unseen = await queries.get_items(s, c.GetItemsRequest(caller=UNIT_CALLER, ids=[item.id]))
    assert unseen.items == [None]  # not handed over yet

    h = await hand_over(db, archive, engagement, [item.id])
    assert h.item_sha256 == [item.sha256]
    assert h.checkpoint_note.startswith(archive.signer.name)
    async with db.transaction() as s:
        ack = await handover.acknowledge(
            s,
            c.AcknowledgeHandoverRequest(
                caller=UNIT_CALLER, handover_id=h.id, representative="张三"
            ),
            CLIENT,
        )
        seen = await queries.catalogue(
            s, c.CatalogueRequest(caller=UNIT_CALLER, engagement_id=engagement)
        )
    assert ack.representative == "张三"
    assert ack.acknowledged_by == "client"
    assert [i.id for i in seen.items] == [item.id]


@ON_EVERY_STORE
async def test_R4_2_4_2_a_mismatching_upload_is_refused_and_its_bytes_removed(
    db: Database, archive: CatalogueDeps
):
    engagement = new_id()
    async with db.transaction() as s:
        ticket = await uploads.request_upload(archive, s, upload_request(engagement), PM)
    await send(archive, ticket, CONTENT[:-1] + b"X")  # same size, other bytes
    before = await outbox_count(db)
    with pytest.raises(archive_errors.UploadMismatch, match="SHA-256"):
        async with db.transaction() as s:
            await uploads.complete_upload(
                archive, s, c.ItemRequest(caller=AGENCY_CALLER, item_id=ticket.item.id), PM
            )
    with pytest.raises(ObjectNotFound):
        await archive.store.stat(f"{engagement}/{ticket.item.id}/1")
    assert await outbox_count(db) == before
    with pytest.raises(
        archive_errors.ArchiveItemNotFound
    ):  # another agency: not found, nothing written
        async with db.transaction() as s:
            await uploads.complete_upload(
                archive, s, c.ItemRequest(caller=OTHER_AGENCY, item_id=ticket.item.id), PM
            )


async def test_R4_2_4_2_limits_and_expired_uploads(
    db: Database, archive: CatalogueDeps, signer: Signer
):
    strict = CatalogueDeps(
        store=archive.store,
        settings=ArchiveSettings(upload_max_bytes=10, upload_expiry=0.001),
        signer=signer,
    )
    engagement = new_id()
    with pytest.raises(archive_errors.UploadRejected):
        async with db.transaction() as s:
            await uploads.request_upload(strict, s, upload_request(engagement), PM)
    with pytest.raises(archive_errors.UploadRejected):
        async with db.transaction() as s:
            await uploads.request_upload(
                archive, s, upload_request(engagement, content_type="text/html"), PM
            )
    tiny = b"0123456789"
    async with db.transaction() as s:
        ticket = await uploads.request_upload(strict, s, upload_request(engagement, tiny), PM)
    await send(archive, ticket, tiny)  # sent, never completed
    async with db.transaction() as s:
        await uploads.expire_uploads(strict, s)
        row = await s.get_one(ArchiveItem, ticket.item.id)
        assert row.status == archive_enums.ItemStatus.EXPIRED.value
    with pytest.raises(ObjectNotFound):
        await archive.store.stat(row.object_key)


async def test_R8_stage_reports_are_filed_once_even_when_redelivered(
    db: Database, archive: CatalogueDeps
):
    engagement = new_id()
    created = engagement_created_event(engagement)
    report = stage_report_event(engagement)
    async with db.transaction() as s:
        await filing.file_event(archive, s, created)

    class Crash(Exception):
        pass

    async def crash_after_filing() -> None:
        async with db.transaction() as s:
            await filing.file_event(archive, s, report)
            raise Crash

    with pytest.raises(Crash):  # the object is written, then the transaction fails
        await crash_after_filing()
    for _ in range(2):  # redelivered twice
        async with db.transaction() as s:
            await filing.file_event(archive, s, report)
    async with db.transaction() as s:
        listing = await queries.catalogue(
            s, c.CatalogueRequest(caller=AGENCY_CALLER, engagement_id=engagement)
        )
    [item] = listing.items
    assert (item.category, item.version, item.source_event_id) == (
        archive_enums.ItemCategory.STAGE_REPORT,
        3,
        report.event_id,
    )
    assert await archive.store.sha256(f"{engagement}/{item.id}/3") == item.sha256


@ON_EVERY_STORE
async def test_R8_destruction_leaves_a_tombstone_and_verify_catches_swapped_bytes(
    db: Database, archive: CatalogueDeps
):
    engagement = new_id()
    old = await filed(db, archive, engagement, document_date=date(2001, 3, 1))
    young = await filed(db, archive, engagement, data=b"young" * 100)
    with pytest.raises(archive_errors.ArchiveStateConflict, match="retention"):
        async with db.transaction() as s:
            await destruction.request_destruction(
                s,
                c.RequestDestructionRequest(caller=AGENCY_CALLER, item_id=young.id, appraisal="x"),
                PM,
            )
    async with db.transaction() as s:
        d = await destruction.request_destruction(
            s,
            c.RequestDestructionRequest(
                caller=AGENCY_CALLER, item_id=old.id, appraisal="已过保管期限"
            ),
            PM,
        )
    with pytest.raises(archive_errors.ArchiveStateConflict):  # one witness twice
        async with db.transaction() as s:
            await destruction.approve_destruction(
                archive,
                s,
                c.ApproveDestructionRequest(
                    caller=AGENCY_CALLER, destruction_id=d.id, witnesses=["王五", "王五"]
                ),
                KEEPER,
            )
    async with db.transaction() as s:
        done = await destruction.approve_destruction(
            archive,
            s,
            c.ApproveDestructionRequest(
                caller=AGENCY_CALLER, destruction_id=d.id, witnesses=["王五", "赵六"]
            ),
            KEEPER,
        )
        tomb = (
            await queries.get_items(s, c.GetItemsRequest(caller=AGENCY_CALLER, ids=[old.id]))
        ).items[0]
    assert done.executed_at
    assert done.witnesses == ["王五", "赵六"]
    assert tomb is not None
    assert tomb.status == archive_enums.ItemStatus.DESTROYED
    assert tomb.sha256 == old.sha256
    with pytest.raises(archive_errors.ArchiveItemNotFound):
        async with db.transaction() as s:
            await borrowing.issue_download(
                archive,
                s,
                c.IssueDownloadRequest(caller=AGENCY_CALLER, item_id=old.id, direct=True),
                KEEPER,
            )

    async with db.transaction() as s:
        items = await repository.filed_items(s)
    assert (await verify_objects(items, archive.store)).valid
    young_key = f"{engagement}/{young.id}/1"
    await archive.store.put(young_key, b"YOUNG" * 100, length=500, content_type="application/pdf")
    audit = await verify_objects(items, archive.store)
    assert not audit.valid
    assert [p["item_id"] for p in audit.problems] == [str(young.id)]
    assert "SHA-256" in audit.problems[0]["problem"]


@ON_EVERY_STORE
async def test_R4_2_4_2_a_finalised_item_is_under_object_lock_where_the_store_has_it(
    db: Database, archive: CatalogueDeps
):
    item = await filed(db, archive, new_id())
    if not isinstance(archive.store, S3Store):
        assert await archive.store.object_lock() == OBJECT_LOCK_NOT_SUPPORTED
        return
    assert await archive.store.object_lock() == OBJECT_LOCK_GOVERNANCE
    stored = await archive.store.stat(f"{item.engagement_id}/{item.id}/1")
    raw = archive.store._client  # the store's own client, to read the lock headers
    head = raw.stat_object(archive.store._bucket, stored.key, version_id=stored.version_id)
    assert head.metadata is not None
    assert head.metadata["x-amz-object-lock-mode"] == "GOVERNANCE"
    # 10 years from a document of 2027: kept to the end of 2037.
    until = head.metadata["x-amz-object-lock-retain-until-date"]
    assert datetime.fromisoformat(until) == datetime(2038, 1, 1, tzinfo=UTC)
    # Enforced: the filed version cannot be deleted without the governance bypass.
    with pytest.raises(S3Error) as refused:
        raw.remove_object(archive.store._bucket, stored.key, version_id=stored.version_id)
    assert refused.value.code == "AccessDenied"
    assert await archive.store.sha256(stored.key, version_id=stored.version_id) == item.sha256
