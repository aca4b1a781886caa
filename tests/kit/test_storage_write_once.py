"""Write-once uploads, version-pinned attachment downloads and purging every version
(issue 11, items 1 and 8), on S3 (moto's HTTP server and SeaweedFS) and on the local store
through the gateway's /files route."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from botocore.auth import S3SigV4QueryAuth  # type: ignore[import-untyped]
from botocore.awsrequest import AWSRequest  # type: ignore[import-untyped]
from botocore.credentials import Credentials  # type: ignore[import-untyped]
from fastapi import FastAPI
from minio.commonconfig import COMPLIANCE
from minio.retention import Retention
from pydantic import SecretStr

from gateway.files import FileRouteSettings, files_router
from kit.storage import LocalStore, ObjectNotFound, S3Store
from kit.storage.base import attachment_disposition
from kit.storage.sigv4 import presign
from tests.infra.s3_server import S3Server

KEY = "e/item/1"
DATA = b"%PDF-1.7 the filed report\n" * 100
EVIL = b"<svg onload=alert(1)>"
BASE_URL = "http://x/files"


@pytest.fixture
async def s3(each_s3_server: S3Server) -> S3Store:
    """A new bucket on moto, then on SeaweedFS (which checks what moto does not)."""
    store = S3Store(
        each_s3_server.endpoint,
        each_s3_server.access_key,
        each_s3_server.secret_key,
        f"wo-{uuid.uuid4().hex[:16]}",
        secure=False,
    )
    await store.ensure_bucket()
    return store


@pytest.fixture
async def local(tmp_path: Path) -> AsyncIterator[tuple[LocalStore, httpx.AsyncClient]]:
    store = LocalStore(tmp_path, signing_key=b"k", base_url=BASE_URL)
    app = FastAPI()
    settings = FileRouteSettings(
        backend="local", local_root=tmp_path, signing_key=SecretStr("k"), public_base_url=BASE_URL
    )
    app.include_router(files_router(settings))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as client:
        yield store, client


def test_the_s3_upload_signature_matches_an_independent_sigv4_signer():
    """moto does not check signatures, so the signature that makes S3 refuse other
    headers is checked against botocore's own SigV4 presigner instead."""
    headers = {"Content-Type": "application/pdf", "Content-Length": "2600", "If-None-Match": "*"}
    url = "https://s3.example.test/bucket/e/item/1"
    request = AWSRequest("PUT", url, headers=headers)
    S3SigV4QueryAuth(Credentials("AKIDEXAMPLE", "secret"), "s3", "cn-north-1", 900).add_auth(
        request
    )
    theirs = parse_qs(urlsplit(request.url).query)
    signed_at = datetime.strptime(theirs["X-Amz-Date"][0], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    ours = presign(
        "PUT",
        url,
        headers=headers,
        access_key="AKIDEXAMPLE",
        secret_key="secret",
        region="cn-north-1",
        expires=900,
        now=signed_at,
    )
    mine = parse_qs(urlsplit(ours).query)
    assert mine["X-Amz-SignedHeaders"] == ["content-length;content-type;host;if-none-match"]
    assert mine["X-Amz-SignedHeaders"] == theirs["X-Amz-SignedHeaders"]
    assert mine["X-Amz-Signature"] == theirs["X-Amz-Signature"]
    # Another declared type or size gives another signature: S3 refuses the request.
    other = presign(
        "PUT",
        url,
        headers={**headers, "Content-Type": "text/html"},
        access_key="AKIDEXAMPLE",
        secret_key="secret",
        region="cn-north-1",
        expires=900,
        now=signed_at,
    )
    assert parse_qs(urlsplit(other).query)["X-Amz-Signature"] != mine["X-Amz-Signature"]


async def test_s3_upload_url_is_write_once(s3: S3Store, each_s3_server: S3Server):
    upload = await s3.presign_put(
        KEY, expires=timedelta(minutes=5), content_type="application/pdf", size=len(DATA)
    )
    assert dict(upload.headers) == {
        "Content-Type": "application/pdf",
        "Content-Length": str(len(DATA)),
        "If-None-Match": "*",
    }
    async with httpx.AsyncClient() as http:
        first = await http.put(upload.url, content=DATA, headers=dict(upload.headers))
        # The attacker keeps the conditional header (S3 requires it: it is signed) but
        # sends other bytes of another type and length.
        again = await http.put(
            upload.url,
            content=EVIL,
            headers={"Content-Type": "image/svg+xml", "If-None-Match": "*"},
        )
    assert first.status_code == 200, first.text
    # SeaweedFS refuses the other headers (the signature), moto the existing key.
    assert again.status_code == (412 if each_s3_server.kind == "moto" else 403), again.text
    assert await s3.sha256(KEY) == hashlib.sha256(DATA).hexdigest()


async def test_s3_download_names_the_version_and_is_an_attachment(s3: S3Store):
    filed = await s3.put(KEY, DATA, length=len(DATA), content_type="application/pdf")
    await s3.put(KEY, EVIL, length=len(EVIL), content_type="image/svg+xml")  # a later version
    url = await s3.presign_get(
        KEY, expires=timedelta(minutes=5), version_id=filed.version_id, filename="成果 报告.pdf"
    )
    assert parse_qs(urlsplit(url).query)["versionId"] == [filed.version_id]
    async with httpx.AsyncClient() as http:
        got = await http.get(url)
    assert got.status_code == 200
    assert got.content == DATA
    assert got.headers["Content-Disposition"] == attachment_disposition("成果 报告.pdf")
    assert got.headers["Content-Disposition"].startswith("attachment; ")


async def test_local_upload_url_is_write_once_and_binds_type_and_size(
    local: tuple[LocalStore, httpx.AsyncClient],
):
    store, http = local
    upload = await store.presign_put(
        KEY, expires=timedelta(minutes=5), content_type="application/pdf", size=len(DATA)
    )
    other_type = await http.put(
        upload.url, content=DATA, headers={**upload.headers, "Content-Type": "text/html"}
    )
    other_size = await http.put(
        upload.url, content=DATA + b"x", headers={"Content-Type": "application/pdf"}
    )
    assert (other_type.status_code, other_size.status_code) == (403, 403)
    with pytest.raises(ObjectNotFound):
        await store.stat(KEY)

    first = await http.put(upload.url, content=DATA, headers=dict(upload.headers))
    assert first.status_code == 200, first.text
    again = await http.put(upload.url, content=DATA[::-1], headers=dict(upload.headers))
    assert again.status_code == 412, again.text
    assert await store.sha256(KEY) == hashlib.sha256(DATA).hexdigest()


async def test_local_download_is_an_attachment_with_nosniff_and_a_sandbox_csp(
    local: tuple[LocalStore, httpx.AsyncClient],
):
    store, http = local
    filed = await store.put(KEY, DATA, length=len(DATA), content_type="application/pdf")
    url = await store.presign_get(
        KEY, expires=timedelta(minutes=5), version_id=filed.version_id, filename="报告.pdf"
    )
    got = await http.get(url)
    assert got.status_code == 200
    assert got.content == DATA
    assert got.headers["Content-Disposition"] == (
        "attachment; filename=\"__.pdf\"; filename*=UTF-8''%E6%8A%A5%E5%91%8A.pdf"
    )
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    assert got.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    # The name is signed: another one is refused.
    renamed = url.replace("name=", "name=x")
    assert (await http.get(renamed)).status_code == 403
    # A URL for another version serves nothing.
    await store.put(KEY, EVIL, length=len(EVIL), content_type="application/pdf")
    assert (await http.get(url)).status_code == 404


async def test_s3_purge_removes_every_version_even_under_governance_lock(s3: S3Store):
    first = await s3.put(KEY, DATA, length=len(DATA), content_type="application/pdf")
    await s3.put(KEY, EVIL, length=len(EVIL), content_type="application/pdf")
    await s3.delete(KEY)  # a delete marker on top
    await s3.put(f"{KEY}0", b"a longer key stays", length=18, content_type="text/plain")
    assert await s3.retain(
        KEY, version_id=first.version_id, until=datetime.now(UTC) + timedelta(days=1)
    )

    purged = await s3.purge(KEY)

    assert (purged.removed, purged.remaining) == (3, ())
    listed = s3._client.list_objects(s3._bucket, prefix=KEY, include_version=True)
    assert [o.object_name for o in listed] == [f"{KEY}0"]
    with pytest.raises(ObjectNotFound):
        await s3.stat(KEY, version_id=first.version_id)


async def test_s3_purge_reports_a_compliance_locked_version_as_remaining(s3: S3Store):
    kept = await s3.put(KEY, DATA, length=len(DATA), content_type="application/pdf")
    until = datetime.now(UTC) + timedelta(days=1)
    s3._client.set_object_retention(s3._bucket, KEY, Retention(COMPLIANCE, until), kept.version_id)

    purged = await s3.purge(KEY)

    assert purged.remaining == (kept.version_id,)
    assert await s3.sha256(KEY, version_id=kept.version_id) == hashlib.sha256(DATA).hexdigest()


async def test_local_purge_removes_the_object(local: tuple[LocalStore, httpx.AsyncClient]):
    store, _ = local
    await store.put(KEY, DATA, length=len(DATA), content_type="application/pdf")
    assert (await store.purge(KEY)).removed == 1
    assert (await store.purge(KEY)).removed == 0
    with pytest.raises(ObjectNotFound):
        await store.stat(KEY)
