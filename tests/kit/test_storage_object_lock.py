"""What a filed deliverable relies on from S3, proved on a server that enforces it (issue 11,
items 1 and 8): SeaweedFS checks the SigV4 signature of a presigned request and enforces
object lock retention. Every test runs on moto too; where moto lacks the feature, that
case is skipped with the reason (docs/security.md, "Object storage: tested on two S3
servers")."""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import httpx
import pytest
from minio.commonconfig import COMPLIANCE, GOVERNANCE
from minio.error import S3Error
from minio.objectlockconfig import DAYS, ObjectLockConfig
from minio.retention import Retention

from kit.storage import ObjectNotFound, S3Store
from kit.storage.base import OBJECT_LOCK_GOVERNANCE
from kit.storage.s3 import STAGING_PREFIX
from tests.infra.s3_server import S3Server

KEY = "e/item/1"
DATA = b"%PDF-1.7 the filed report\n" * 100
OTHER = b"<html><script>alert(1)</script></html>"
# Long enough to try everything before it ends, short enough to wait for.
SHORT_RETENTION = timedelta(seconds=3)

# What moto does not do, so a test of it can only pass on a server that does.
MOTO_LACKS = {
    "signatures": "moto does not verify SigV4 signatures: it accepts a request whatever "
    "headers or query were signed",
    "retention-api": "moto implements no GetObjectRetention and lets a COMPLIANCE "
    "retention be shortened",
    "default-retention": "moto, as AWS S3 documents, refuses a PUT without Content-MD5 (or "
    "a checksum) into a bucket with a default retention; neither the store's writes nor "
    "a presigned upload send one",
}


def requires(server: S3Server, feature: str) -> None:
    if server.kind == "moto":
        pytest.skip(MOTO_LACKS[feature])


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


async def new_store(server: S3Server, *, default_retention_days: int | None = None) -> S3Store:
    store = S3Store(
        server.endpoint,
        server.access_key,
        server.secret_key,
        f"lock-{uuid.uuid4().hex[:16]}",
        secure=False,
    )
    if default_retention_days is not None:
        # An operator's bucket: object lock enabled at creation, a default retention.
        store._client.make_bucket(store._bucket, object_lock=True)
        store._client.set_object_lock_config(
            store._bucket, ObjectLockConfig(GOVERNANCE, default_retention_days, DAYS)
        )
    await store.ensure_bucket()
    return store


def versions_of(store: S3Store, prefix: str) -> list[tuple[str, str | None]]:
    listed = store._client.list_objects(store._bucket, prefix=prefix, include_version=True)
    return [(o.object_name or "", o.version_id) for o in listed]


async def wait_past(until: datetime) -> None:
    """Wait until the server's retain-until date has passed (same clock: loopback)."""
    while datetime.now(UTC) <= until:
        await asyncio.sleep(0.2)


@pytest.mark.parametrize(
    ("header", "value"),
    [("Content-Type", "text/html"), ("Content-Length", None), ("If-None-Match", None)],
    ids=["other-type", "other-size", "no-precondition"],
)
async def test_an_upload_that_differs_from_the_signed_headers_is_refused(
    each_s3_server: S3Server, header: str, value: str | None
):
    requires(each_s3_server, "signatures")
    store = await new_store(each_s3_server)
    upload = await store.presign_put(
        KEY, expires=timedelta(minutes=5), content_type="application/pdf", size=len(DATA)
    )
    headers = {**upload.headers}
    body = DATA
    if value is None:
        del headers[header]
    else:
        headers[header] = value
    if header == "Content-Length":
        body = DATA + b"more"  # httpx sends the body's own length
    async with httpx.AsyncClient() as http:
        refused = await http.put(upload.url, content=body, headers=headers)
    assert refused.status_code == 403, refused.text
    assert "<Code>SignatureDoesNotMatch</Code>" in refused.text
    assert versions_of(store, KEY) == []


async def test_a_second_put_onto_an_uploaded_key_is_refused(each_s3_server: S3Server):
    store = await new_store(each_s3_server)
    upload = await store.presign_put(
        KEY, expires=timedelta(minutes=5), content_type="application/pdf", size=len(DATA)
    )
    async with httpx.AsyncClient() as http:
        first = await http.put(upload.url, content=DATA, headers=dict(upload.headers))
        # The same URL and signed headers, even the same size: the key exists now.
        again = await http.put(upload.url, content=DATA[::-1], headers=dict(upload.headers))
    assert first.status_code == 200, first.text
    assert again.status_code == 412, again.text
    assert "<Code>PreconditionFailed</Code>" in again.text
    [(_, version)] = versions_of(store, KEY)
    assert await store.sha256(KEY, version_id=version) == sha(DATA)


async def test_a_download_url_names_its_version_and_cannot_be_pointed_at_another(
    each_s3_server: S3Server,
):
    store = await new_store(each_s3_server)
    filed = await store.put(KEY, DATA, length=len(DATA), content_type="application/pdf")
    later = await store.put(KEY, OTHER, length=len(OTHER), content_type="application/pdf")
    url = await store.presign_get(KEY, expires=timedelta(minutes=5), version_id=filed.version_id)
    async with httpx.AsyncClient() as http:
        got = await http.get(url)
        assert got.status_code == 200, got.text
        assert got.content == DATA  # not the current version
        assert got.headers["x-amz-version-id"] == filed.version_id
        requires(each_s3_server, "signatures")
        parts = urlsplit(url)
        query = parse_qs(parts.query)
        query["versionId"] = [str(later.version_id)]
        moved = urlunsplit(parts._replace(query=urlencode(query, doseq=True)))
        refused = await http.get(moved)
    assert refused.status_code == 403, refused.text


async def test_a_locked_version_cannot_be_deleted_or_replaced_before_its_retention_ends(
    each_s3_server: S3Server,
):
    """Both modes: governance (what the archive sets on a finalised version) and
    compliance (what an operator may set). Before the retain-until date the version
    cannot be deleted, and a PUT onto the key makes a new version while the locked bytes
    stay. After it, the versions can be deleted."""
    store = await new_store(each_s3_server)
    raw = store._client
    assert await store.object_lock() == OBJECT_LOCK_GOVERNANCE
    until = datetime.now(UTC) + SHORT_RETENTION
    governed = await store.put("gov", DATA, length=len(DATA), content_type="application/pdf")
    assert await store.retain("gov", version_id=governed.version_id, until=until)
    complied = await store.put("comp", DATA, length=len(DATA), content_type="application/pdf")
    raw.set_object_retention(
        store._bucket, "comp", Retention(COMPLIANCE, until), complied.version_id
    )

    for key, locked in (("gov", governed), ("comp", complied)):
        with pytest.raises(S3Error) as refused:
            raw.remove_object(store._bucket, key, version_id=locked.version_id)
        assert refused.value.code == "AccessDenied"
        replaced = await store.put(key, OTHER, length=len(OTHER), content_type="text/html")
        assert replaced.version_id != locked.version_id
        assert await store.sha256(key, version_id=locked.version_id) == sha(DATA)
    # The purge may bypass governance but not compliance; it says what stays.
    purged = await store.purge("comp")
    assert purged.remaining == (complied.version_id,)

    await wait_past(until)

    for key, locked in (("gov", governed), ("comp", complied)):
        raw.remove_object(store._bucket, key, version_id=locked.version_id)
        with pytest.raises(ObjectNotFound):
            await store.stat(key, version_id=locked.version_id)


async def test_a_retention_reads_back_and_a_compliance_one_cannot_be_shortened(
    each_s3_server: S3Server,
):
    requires(each_s3_server, "retention-api")
    store = await new_store(each_s3_server)
    raw = store._client
    until = datetime.now(UTC) + timedelta(days=1)
    governed = await store.put("gov", DATA, length=len(DATA), content_type="application/pdf")
    assert await store.retain("gov", version_id=governed.version_id, until=until)
    complied = await store.put("comp", DATA, length=len(DATA), content_type="application/pdf")
    raw.set_object_retention(
        store._bucket, "comp", Retention(COMPLIANCE, until), complied.version_id
    )

    for key, locked, mode in (("gov", governed, GOVERNANCE), ("comp", complied, COMPLIANCE)):
        retention = raw.get_object_retention(store._bucket, key, locked.version_id)
        assert retention is not None
        assert retention.mode == mode
        assert retention.retain_until_date is not None
        # SeaweedFS keeps the date to the second.
        assert abs(retention.retain_until_date - until) < timedelta(seconds=1)
    with pytest.raises(S3Error) as refused:
        raw.set_object_retention(
            store._bucket,
            "comp",
            Retention(COMPLIANCE, until - timedelta(hours=1)),
            complied.version_id,
        )
    assert refused.value.code == "AccessDenied"
    with pytest.raises(S3Error):  # nor weakened to governance
        raw.set_object_retention(
            store._bucket, "comp", Retention(GOVERNANCE, until), complied.version_id
        )


async def test_a_bucket_with_a_default_retention_locks_every_write_and_still_takes_streams(
    each_s3_server: S3Server,
):
    """A stream is staged under a temporary key and copied; the default retention locks
    the staged version too. Before the staged version was removed with the governance
    bypass, the put failed on SeaweedFS (AccessDenied on the plain delete). A presigned
    upload needs no Content-MD5 there (AWS S3 asks for one under a default retention)."""
    requires(each_s3_server, "default-retention")
    store = await new_store(each_s3_server, default_retention_days=1)
    assert await store.object_lock() == OBJECT_LOCK_GOVERNANCE

    async def chunks() -> AsyncIterator[bytes]:
        yield DATA[:100]
        yield DATA[100:]

    streamed = await store.put(KEY, chunks(), length=None, content_type="application/pdf")
    assert streamed.sha256 == sha(DATA)
    assert versions_of(store, STAGING_PREFIX) == []
    upload = await store.presign_put(
        "direct", expires=timedelta(minutes=5), content_type="application/pdf", size=len(DATA)
    )
    async with httpx.AsyncClient() as http:
        sent = await http.put(upload.url, content=DATA, headers=dict(upload.headers))
    assert sent.status_code == 200, sent.text

    for key in (KEY, "direct"):
        version = (await store.stat(key)).version_id
        retention = store._client.get_object_retention(store._bucket, key, version)
        assert retention is not None
        assert retention.mode == GOVERNANCE
        assert retention.retain_until_date is not None
        assert retention.retain_until_date > datetime.now(UTC) + timedelta(hours=23)
        with pytest.raises(S3Error):
            store._client.remove_object(store._bucket, key, version_id=version)
    # Destruction after the archive's own retention still removes every version.
    assert (await store.purge(KEY)).remaining == ()
    assert versions_of(store, KEY) == []
