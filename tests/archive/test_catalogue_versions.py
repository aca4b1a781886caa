"""New versions of an archived item on a migrated database (SQLite and PostgreSQL) with
both object stores (the local store and S3 through moto): a version is a row of its own in
the item's series, uploaded and verified like any upload, never overwriting an earlier one;
the catalogue shows the current version of each series unless asked for all (R4.2.4.2,
R4.2.4.3)."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update

from contracts.archive import enums as archive_enums
from contracts.archive import errors as archive_errors
from contracts.archive import rpc_catalogue as c
from kit.db import Database
from kit.ids import new_id
from kit.storage import ObjectNotFound
from services.archive.catalogue import queries
from services.archive.catalogue.commands import destruction, filing, items, uploads
from services.archive.catalogue.deps import CatalogueDeps
from services.archive.catalogue.models import ArchiveItem
from services.archive.ledger.signing import Signer
from services.archive.models import messaging
from services.archive.settings import ArchiveSettings
from tests.archive.catalogue_steps import (
    AGENCY,
    AGENCY_CALLER,
    KEEPER,
    OTHER_AGENCY,
    PM,
    UNIT,
    UNIT_CALLER,
    V2,
    complete,
    engagement_created_event,
    filed,
    listing,
    new_version,
    outbox_count,
    request_version,
    send,
    stage_report_event,
    version_request,
)
from tests.archive.stores import ON_EVERY_STORE


async def item_rows(db: Database) -> int:
    async with db.transaction() as s:
        return int((await s.execute(select(func.count()).select_from(ArchiveItem))).scalar_one())


async def filed_actions(db: Database) -> list[dict[str, Any]]:
    async with db.transaction() as s:
        payloads = (await s.execute(select(messaging.outbox.c.payload))).scalars()
    events = [json.loads(p) for p in payloads]
    return [
        e["data"]
        for e in events
        if e["type"] == "archive.action.v1" and e["data"]["action"] == "filed"
    ]


@ON_EVERY_STORE
async def test_R4_2_4_2_a_second_version_is_uploaded_verified_and_filed_beside_the_first(
    db: Database, archive: CatalogueDeps
):
    engagement = new_id()
    async with db.transaction() as s:
        volume = await items.create_volume(
            s,
            c.CreateVolumeRequest(
                caller=AGENCY_CALLER,
                engagement_id=engagement,
                agency_id=AGENCY,
                unit_id=UNIT,
                title="2027年度监测报告",
                retention=archive_enums.Retention.YEARS_10,
            ),
            PM,
        )
    v1 = await filed(db, archive, engagement, volume_id=volume.id, metadata={"期次": "1"})
    ticket = await request_version(db, archive, v1.id, document_date=date(2028, 2, 1))
    pending = ticket.item
    assert (pending.status, pending.version, pending.series_id) == (
        archive_enums.ItemStatus.PENDING,
        2,
        v1.id,
    )
    assert pending.id != v1.id
    await send(archive, ticket, V2)
    v2 = await complete(db, archive, pending.id)

    assert (v2.status, v2.version, v2.series_id) == (archive_enums.ItemStatus.FILED, 2, v1.id)
    assert (v2.size, v2.sha256, v2.filename) == (
        len(V2),
        hashlib.sha256(V2).hexdigest(),
        "成果报告-修订.pdf",
    )
    # The series' engagement, owners, volume, category, level, retention and metadata;
    # the previous title; its own date.
    assert (v2.engagement_id, v2.unit_id, v2.volume_id, v2.category) == (
        engagement,
        UNIT,
        volume.id,
        archive_enums.ItemCategory.RESULTS_REPORT,
    )
    assert (v2.level, v2.retention, v2.title, v2.metadata) == (
        v1.level,
        v1.retention,
        v1.title,
        {"期次": "1"},
    )
    assert (v2.document_date, v2.retention_ends) == (date(2028, 2, 1), date(2038, 12, 31))

    # Each version has its own object; the first is untouched and still readable.
    assert await archive.store.sha256(f"{engagement}/{v2.id}/2") == v2.sha256
    assert await archive.store.sha256(f"{engagement}/{v1.id}/1") == v1.sha256
    async with db.transaction() as s:
        [first] = (
            await queries.get_items(s, c.GetItemsRequest(caller=AGENCY_CALLER, ids=[v1.id]))
        ).items
    assert first is not None
    assert first.model_dump() == {**v1.model_dump(), "series_id": v1.id}

    # The ledger's filing event names the series and the version.
    [*_, action] = await filed_actions(db)
    assert action["item_ids"] == [str(v2.id)]
    assert action["sha256"] == [v2.sha256]
    assert (action["details"]["series_id"], action["details"]["version"]) == (str(v1.id), "2")
    assert "key" not in action["details"]  # storage keys stay in the archive


async def test_R4_2_4_2_the_catalogue_shows_the_latest_version_unless_asked_for_all(
    db: Database, archive: CatalogueDeps
):
    engagement = new_id()
    v1 = await filed(db, archive, engagement)
    other = await filed(db, archive, engagement, data=b"another deliverable" * 10)
    v2 = await new_version(db, archive, v1.id, title="托管服务成果报告（修订）")

    current = await listing(db, engagement)
    assert sorted(i.id for i in current) == sorted([v2.id, other.id])
    assert next(i for i in current if i.id == v2.id).title == "托管服务成果报告（修订）"
    every = await listing(db, engagement, every=True)
    assert [i.id for i in every if i.series_id == v1.id] == [v1.id, v2.id]  # oldest first
    assert other.id in [i.id for i in every]

    async with db.transaction() as s:
        reply = await queries.versions(
            s, c.VersionsRequest(caller=AGENCY_CALLER, series_ids=[v1.id, other.id, new_id()])
        )
    assert [[v.id for v in vs] for vs in reply.items] == [[v1.id, v2.id], [other.id], []]

    # A version being uploaded is in no list; an upload of v3 does not hide v2.
    await request_version(db, archive, v2.id, b"third" * 10)
    assert sorted(i.id for i in await listing(db, engagement)) == sorted([v2.id, other.id])


async def test_R4_2_4_2_a_mismatching_version_loses_only_its_own_bytes(
    db: Database, archive: CatalogueDeps
):
    engagement = new_id()
    v1 = await filed(db, archive, engagement)
    ticket = await request_version(db, archive, v1.id)
    await send(archive, ticket, V2[:-1] + b"X")  # same size, other bytes
    before = await outbox_count(db)
    with pytest.raises(archive_errors.UploadMismatch, match="SHA-256"):
        await complete(db, archive, ticket.item.id)
    assert await outbox_count(db) == before
    with pytest.raises(ObjectNotFound):
        await archive.store.stat(f"{engagement}/{ticket.item.id}/2")
    assert await archive.store.sha256(f"{engagement}/{v1.id}/1") == v1.sha256
    async with db.transaction() as s:
        row = await s.get_one(ArchiveItem, ticket.item.id)
        assert row.status == archive_enums.ItemStatus.PENDING.value
    assert [i.id for i in await listing(db, engagement, every=True)] == [v1.id]

    # The same URL may be used again with the right bytes.
    await send(archive, ticket, V2)
    assert (await complete(db, archive, ticket.item.id)).status == archive_enums.ItemStatus.FILED


async def test_R4_2_4_2_one_version_is_uploaded_at_a_time(db: Database, archive: CatalogueDeps):
    engagement = new_id()
    v1 = await filed(db, archive, engagement)
    first = await request_version(db, archive, v1.id)
    rows = await item_rows(db)
    with pytest.raises(
        archive_errors.ArchiveStateConflict, match="version 2 of this item is already being"
    ):
        await request_version(db, archive, v1.id, b"other" * 10)
    with pytest.raises(
        archive_errors.ArchiveStateConflict, match="pending"
    ):  # the pending one itself
        await request_version(db, archive, first.item.id, b"other" * 10)
    assert await item_rows(db) == rows

    await send(archive, first, V2)
    await complete(db, archive, first.item.id)
    v3 = await new_version(db, archive, v1.id, b"third" * 10)  # any filed version names it
    assert (v3.version, v3.series_id) == (3, v1.id)


async def test_R4_2_4_2_an_abandoned_version_upload_expires_and_its_number_is_not_reused(
    db: Database, archive: CatalogueDeps
):
    engagement = new_id()
    v1 = await filed(db, archive, engagement)
    hasty = CatalogueDeps(
        store=archive.store, settings=ArchiveSettings(upload_expiry=0.001), signer=archive.signer
    )
    abandoned = await request_version(db, hasty, v1.id)
    await send(archive, abandoned, V2)  # sent, never completed, now expired
    v3 = await new_version(db, archive, v1.id, b"third" * 10)
    assert v3.version == 3
    async with db.transaction() as s:
        row = await s.get_one(ArchiveItem, abandoned.item.id)
        assert row.status == archive_enums.ItemStatus.EXPIRED.value
    with pytest.raises(ObjectNotFound):
        await archive.store.stat(f"{engagement}/{abandoned.item.id}/2")


async def test_R4_2_4_3_another_agency_or_a_lower_clearance_finds_no_item_to_version(
    db: Database, archive: CatalogueDeps
):
    engagement = new_id()
    v1 = await filed(db, archive, engagement)  # 内部 (1)
    v2 = await new_version(db, archive, v1.id)
    async with db.transaction() as s:  # an earlier version is raised to 秘密 (2)
        await items.change_level(
            s,
            c.ChangeLevelRequest(
                caller=AGENCY_CALLER, item_id=v1.id, level=2, reason="含敏感数据", may_lower=False
            ),
            KEEPER,
        )
    internal = c.Caller(scope=AGENCY_CALLER.scope, clearance=1)
    rows, events = await item_rows(db), await outbox_count(db)
    refused = [
        (OTHER_AGENCY, v2.id),  # another tenant
        (UNIT_CALLER, v2.id),  # the unit does not upload
        (internal, v1.id),  # above the caller's clearance
        (internal, v2.id),  # v2 is visible, but the series holds a 秘密 version
        (AGENCY_CALLER, new_id()),  # no such item
    ]
    for caller, item_id in refused:
        with pytest.raises(archive_errors.ArchiveItemNotFound):
            async with db.transaction() as s:
                await uploads.request_version_upload(
                    archive, s, version_request(item_id, caller=caller), PM
                )
    assert (await item_rows(db), await outbox_count(db)) == (rows, events)

    # Whoever may see the whole series gets the series' (highest) level.
    ticket = await request_version(db, archive, v2.id, b"third" * 10)
    assert ticket.item.level == 2


async def test_R4_2_4_2_refused_versions_write_nothing(
    db: Database, archive: CatalogueDeps, signer: Signer
):
    engagement = new_id()
    old = await filed(db, archive, engagement, document_date=date(2001, 3, 1))
    async with db.transaction() as s:
        d = await destruction.request_destruction(
            s,
            c.RequestDestructionRequest(caller=AGENCY_CALLER, item_id=old.id, appraisal="期满"),
            PM,
        )
    async with db.transaction() as s:
        await destruction.approve_destruction(
            archive,
            s,
            c.ApproveDestructionRequest(
                caller=AGENCY_CALLER, destruction_id=d.id, witnesses=["王五", "赵六"]
            ),
            KEEPER,
        )
    strict = CatalogueDeps(
        store=archive.store, settings=ArchiveSettings(upload_max_bytes=10), signer=signer
    )
    live = await filed(db, archive, engagement, data=b"live" * 10)
    await auto_file(db, archive, engagement)
    [auto] = [i for i in await listing(db, engagement) if i.source_event_id is not None]
    rows = await item_rows(db)
    cases: list[tuple[CatalogueDeps, c.RequestVersionUploadRequest, type[Exception], str]] = [
        (archive, version_request(old.id), archive_errors.ArchiveStateConflict, "destroyed"),
        (archive, version_request(auto.id), archive_errors.ArchiveStateConflict, "automatically"),
        (strict, version_request(live.id), archive_errors.UploadRejected, "larger"),
        (
            archive,
            version_request(live.id, content_type="text/html"),
            archive_errors.UploadRejected,
            "type",
        ),
    ]
    for arch, req, error, message in cases:
        with pytest.raises(error, match=message):
            async with db.transaction() as s:
                await uploads.request_version_upload(arch, s, req, PM)
    assert await item_rows(db) == rows


async def auto_file(db: Database, archive: CatalogueDeps, engagement: uuid.UUID) -> None:
    """The engagement's creation and an accepted stage report, filed from their events."""
    created = engagement_created_event(engagement)
    async with db.transaction() as s:
        await filing.file_event(archive, s, created)
        await filing.file_event(archive, s, stage_report_event(engagement))


async def test_an_expired_upload_can_no_longer_be_completed(db: Database, archive: CatalogueDeps):
    engagement = new_id()
    v1 = await filed(db, archive, engagement)
    ticket = await request_version(db, archive, v1.id)
    await send(archive, ticket, V2)
    async with db.transaction() as s:
        await s.execute(
            update(ArchiveItem)
            .where(ArchiveItem.id == ticket.item.id)
            .values(upload_expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    with pytest.raises(archive_errors.ArchiveStateConflict, match="expired"):
        await complete(db, archive, ticket.item.id)
