"""A filed deliverable cannot be replaced after it was checked (issue 11, item 1): the
upload URL is write-once, the declared size and type are bound to it, downloads name the
exact version that was hashed and filed and come as attachments, and active content is
not accepted as a deliverable. Each test runs on both stores: S3 (moto's HTTP server) and
the local store, whose URLs the gateway's /files route serves; the storage ones on
SeaweedFS too, which checks signatures and enforces object lock."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from contracts.archive import enums as archive_enums
from contracts.archive import errors as archive_errors
from contracts.archive import rpc_catalogue as c
from contracts.core import Scope
from gateway.files import FileRouteSettings, files_router
from kit.db import Database
from kit.ids import new_id
from kit.rpc import CallContext
from kit.storage import ObjectNotFound
from kit.storage.local import LocalStore
from kit.storage.s3 import S3Store
from services.archive.catalogue.commands import borrowing, destruction, uploads
from services.archive.catalogue.deps import CatalogueDeps
from tests.archive.stores import ON_EVERY_STORE

AGENCY, UNIT = new_id(), new_id()
PM = CallContext(actor="pm", tenant=f"agency:{AGENCY}", correlation_id="t")
KEEPER = CallContext(actor="keeper", tenant=f"agency:{AGENCY}", correlation_id="t")
CALLER = c.Caller(scope=Scope(agency_id=AGENCY), clearance=3)
ORIGINAL = "托管服务成果报告 第一版\n".encode() * 500
EVIL = b"<html><script>alert(document.cookie)</script></html>"


@pytest.fixture
async def http(archive: CatalogueDeps, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    """A client that reaches S3 over the network, or the local store's URLs through the
    gateway's own /files route (the fixture's store: root tmp_path/objects, key "k")."""
    if isinstance(archive.store, LocalStore):
        app = FastAPI()
        app.include_router(
            files_router(
                FileRouteSettings(
                    backend="local",
                    local_root=tmp_path / "objects",
                    signing_key=SecretStr("k"),
                    public_base_url="http://x/files",
                )
            )
        )
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport) as client:
            yield client
    else:
        async with httpx.AsyncClient() as client:
            yield client


def request(
    data: bytes, content_type: str = "application/pdf", **over: Any
) -> c.RequestUploadRequest:
    fields: dict[str, Any] = dict(
        caller=CALLER,
        engagement_id=new_id(),
        agency_id=AGENCY,
        unit_id=UNIT,
        category=archive_enums.ItemCategory.RESULTS_REPORT,
        title="托管服务成果报告",
        filename="成果报告 v1.pdf",
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        level=1,
        retention=archive_enums.Retention.YEARS_10,
        document_date=date(2027, 12, 31),
    )
    return c.RequestUploadRequest(**{**fields, **over})


async def file_item(
    db: Database, archive: CatalogueDeps, http: httpx.AsyncClient
) -> c.UploadTicket:
    async with db.transaction() as s:
        ticket = await uploads.request_upload(archive, s, request(ORIGINAL), PM)
    sent = await http.put(ticket.url, content=ORIGINAL, headers=ticket.headers)
    assert sent.status_code == 200, sent.text
    async with db.transaction() as s:
        await uploads.complete_upload(
            archive, s, c.ItemRequest(caller=CALLER, item_id=ticket.item.id), PM
        )
    return ticket


async def download(
    db: Database, archive: CatalogueDeps, http: httpx.AsyncClient, ticket: c.UploadTicket
) -> httpx.Response:
    async with db.transaction() as s:
        view = await borrowing.issue_download(
            archive,
            s,
            c.IssueDownloadRequest(caller=CALLER, item_id=ticket.item.id, direct=True),
            PM,
        )
    got = await http.get(view.url)
    assert got.status_code == 200, got.text
    return got


@ON_EVERY_STORE
async def test_a_second_put_to_the_upload_url_after_completion_is_refused(
    db: Database, archive: CatalogueDeps, http: httpx.AsyncClient
):
    ticket = await file_item(db, archive, http)
    # The attack of issue 11: the same URL, other bytes, declared as HTML.
    headers = {**ticket.headers, "Content-Type": "text/html"}
    headers.pop("Content-Length", None)
    replaced = await http.put(ticket.url, content=EVIL, headers=headers)
    assert replaced.status_code in (403, 409, 412), replaced.text
    got = await download(db, archive, http, ticket)
    assert got.content == ORIGINAL
    assert hashlib.sha256(got.content).hexdigest() == ticket.item.sha256


@ON_EVERY_STORE
async def test_a_put_without_the_signed_headers_cannot_change_what_is_downloaded(
    db: Database, archive: CatalogueDeps, http: httpx.AsyncClient
):
    """moto does not check signatures, so there a bare PUT lands as a new version (S3
    itself refuses it: the signature covers the headers). The download still names the
    version that was hashed and filed."""
    ticket = await file_item(db, archive, http)
    await http.put(ticket.url, content=EVIL, headers={"Content-Type": "text/html"})
    got = await download(db, archive, http, ticket)
    assert got.content == ORIGINAL
    assert hashlib.sha256(got.content).hexdigest() == ticket.item.sha256


@ON_EVERY_STORE
async def test_R8_destruction_on_s3_removes_every_version_and_says_what_remains(
    db: Database, archive: CatalogueDeps, http: httpx.AsyncClient
):
    """Destroyed means unrecoverable: not a delete marker over older versions. The
    bucket is versioned, so a later write and the archive's own lock leave more than one
    version of the key; none survives the destruction (on SeaweedFS too, where the
    governance lock is enforced and the purge must bypass it)."""
    if not isinstance(archive.store, S3Store):
        pytest.skip("versions exist on S3 only; the local store keeps one")
    async with db.transaction() as s:
        ticket = await uploads.request_upload(
            archive, s, request(ORIGINAL, document_date=date(2001, 3, 1)), PM
        )
    sent = await http.put(ticket.url, content=ORIGINAL, headers=ticket.headers)
    assert sent.status_code == 200, sent.text
    async with db.transaction() as s:
        item = await uploads.complete_upload(
            archive, s, c.ItemRequest(caller=CALLER, item_id=ticket.item.id), PM
        )
    key = f"{item.engagement_id}/{item.id}/1"
    # A later version of the key, as moto accepts from a bare PUT to the upload URL
    # (SeaweedFS refuses that PUT: the signature covers the headers).
    await archive.store.put(key, EVIL, length=len(EVIL), content_type="text/html")
    # A version under governance lock, as a finalised item within its retention is.
    locked = await archive.store.put(key, b"locked", length=6, content_type="application/pdf")
    assert await archive.store.retain(
        key, version_id=locked.version_id, until=datetime.now(UTC) + timedelta(days=1)
    )
    assert len(versions_of(archive.store, key)) == 3

    async with db.transaction() as s:
        d = await destruction.request_destruction(
            s,
            c.RequestDestructionRequest(caller=CALLER, item_id=item.id, appraisal="已过保管期限"),
            PM,
        )
    async with db.transaction() as s:
        done = await destruction.approve_destruction(
            archive,
            s,
            c.ApproveDestructionRequest(
                caller=CALLER, destruction_id=d.id, witnesses=["王五", "赵六"]
            ),
            KEEPER,
        )

    assert versions_of(archive.store, key) == []
    with pytest.raises(ObjectNotFound):
        await archive.store.stat(key, version_id=locked.version_id)
    assert done.remains is not None
    assert item.sha256 in done.remains
    assert "墓碑" in done.remains
    assert "tombstone" in done.remains


def versions_of(store: S3Store, key: str) -> list[str | None]:
    """Every version and delete marker of exactly `key`, read with the store's client."""
    listed = store._client.list_objects(store._bucket, prefix=key, include_version=True)
    return [o.version_id for o in listed if o.object_name == key]


@pytest.mark.parametrize(
    "content_type",
    [
        "image/svg+xml",
        "text/html",
        "text/html; charset=utf-8",
        "application/xhtml+xml",
        "text/javascript",
        "application/javascript",
        "application/xml",
        "application/rss+xml",
    ],
)
@pytest.mark.parametrize("accepted", [None, []], ids=["default-list", "any-type"])
async def test_active_content_is_never_accepted_as_a_deliverable(
    db: Database, archive: CatalogueDeps, content_type: str, accepted: list[str] | None
):
    """Not even where the configuration accepts `image/*` (the default) or any type."""
    settings = archive.settings
    if accepted is not None:
        settings = settings.model_copy(update={"upload_content_types": accepted})
    deps = CatalogueDeps(store=archive.store, settings=settings, signer=archive.signer)
    with pytest.raises(archive_errors.UploadRejected, match=r"^active content type") as refused:
        async with db.transaction() as s:
            await uploads.request_upload(deps, s, request(EVIL, content_type=content_type), PM)
    assert refused.value.field == "content_type"
    assert "active content" in str(refused.value)
