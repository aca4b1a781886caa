"""ObjectStore behaviour, each test against S3 (moto's HTTP server and SeaweedFS) and the
local backend."""

from __future__ import annotations

import asyncio
import hashlib
import os
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from minio import Minio
from minio.commonconfig import GOVERNANCE
from minio.error import S3Error
from pydantic import ValidationError
from pydantic_settings import SettingsConfigDict

from contracts.core import DomainError
from kit.storage import (
    InvalidKey,
    LocalStore,
    ObjectNotFound,
    ObjectStore,
    S3Store,
    StorageSettings,
    build_store,
)
from kit.storage.base import (
    OBJECT_LOCK_GOVERNANCE,
    OBJECT_LOCK_NOT_ENABLED,
    OBJECT_LOCK_NOT_SUPPORTED,
)
from kit.storage.s3 import PART_SIZE
from tests.infra.s3_server import S3_SERVERS, S3Server

SIGNING_KEY = b"test-signing-key"
BASE_URL = "http://files.test/files"
TRAVERSALS = ["../x", "a/../../b", "/etc/passwd", "a//b", "a\\b", "", "a\x00b", "a/./b", "a/"]


def make_s3_store(server: S3Server) -> S3Store:
    # A bucket per test keeps tests independent without restarting the server.
    bucket = f"test-{uuid.uuid4().hex[:16]}"
    return S3Store(server.endpoint, server.access_key, server.secret_key, bucket, secure=False)


def make_local_store(root: Path, clock: float | None = None) -> LocalStore:
    if clock is None:
        return LocalStore(root, signing_key=SIGNING_KEY, base_url=BASE_URL)
    return LocalStore(root, signing_key=SIGNING_KEY, base_url=BASE_URL, clock=lambda: clock)


# Every S3 test runs on moto and on SeaweedFS (which, unlike moto, checks signatures and
# enforces object lock retention); see tests/infra/seaweedfs_server.py.
@pytest.fixture(params=[*S3_SERVERS, "local"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> ObjectStore:
    chosen: ObjectStore
    if request.param in S3_SERVERS:
        chosen = make_s3_store(request.getfixturevalue(S3_SERVERS[request.param]))
    else:
        chosen = make_local_store(tmp_path / "objects")
    await chosen.ensure_bucket()
    return chosen


@pytest.fixture
async def s3_store(each_s3_server: S3Server) -> S3Store:
    chosen = make_s3_store(each_s3_server)
    await chosen.ensure_bucket()
    return chosen


async def chunks_of(*parts: bytes) -> AsyncIterator[bytes]:
    for part in parts:
        await asyncio.sleep(0)  # a real producer awaits between chunks
        yield part


async def read_all(store: ObjectStore, key: str) -> bytes:
    return b"".join([chunk async for chunk in await store.get_stream(key)])


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


async def test_bytes_round_trip_with_digest_type_and_metadata(store: ObjectStore) -> None:
    data = os.urandom(300_000)
    stored = await store.put(
        "engagements/e1/report.pdf",
        data,
        length=len(data),
        content_type="application/pdf",
        metadata={"engagement": "e1", "stage": "survey"},
    )
    assert (stored.size, stored.sha256) == (len(data), sha(data))

    stat = await store.stat("engagements/e1/report.pdf")
    assert stat.key == "engagements/e1/report.pdf"
    assert (stat.size, stat.sha256, stat.content_type) == (len(data), sha(data), "application/pdf")
    assert dict(stat.metadata) == {"engagement": "e1", "stage": "survey"}
    assert stat.version_id == stored.version_id
    assert stat.etag == stored.etag
    assert await read_all(store, "engagements/e1/report.pdf") == data
    assert await store.sha256("engagements/e1/report.pdf") == sha(data)


async def test_multi_chunk_stream_of_unknown_length(store: ObjectStore) -> None:
    # Larger than one S3 part, in uneven chunks with an empty one in the middle.
    parts = [os.urandom(n) for n in (1, 700_000, 0, 3 * 1024 * 1024 + 17)] * 3
    data = b"".join(parts)
    assert len(data) > PART_SIZE

    stored = await store.put("big/stream.bin", chunks_of(*parts), length=None, content_type="x/y")

    assert (stored.size, stored.sha256) == (len(data), sha(data))
    assert (await store.stat("big/stream.bin")).sha256 == sha(data)
    assert await read_all(store, "big/stream.bin") == data
    assert await store.sha256("big/stream.bin") == sha(data)


async def test_binary_file_with_declared_length(store: ObjectStore, tmp_path: Path) -> None:
    data = os.urandom(2 * 1024 * 1024 + 5)
    source = tmp_path / "upload.bin"
    source.write_bytes(data)

    with source.open("rb") as file:
        stored = await store.put("files/upload.bin", file, length=len(data), content_type="a/b")

    assert (stored.size, stored.sha256) == (len(data), sha(data))
    assert await read_all(store, "files/upload.bin") == data


@pytest.mark.parametrize("declared", [9, 11])
async def test_wrong_declared_length_stores_nothing(store: ObjectStore, declared: int) -> None:
    with pytest.raises(ValueError, match="declared length"):
        await store.put("k", chunks_of(b"0123456789"), length=declared, content_type="a/b")

    with pytest.raises(ObjectNotFound):
        await store.stat("k")
    assert await store.list("") == []


async def test_empty_object(store: ObjectStore) -> None:
    stored = await store.put("empty", b"", length=0, content_type="text/plain")

    assert (stored.size, stored.sha256) == (0, sha(b""))
    assert await read_all(store, "empty") == b""


async def test_missing_key_raises_object_not_found(store: ObjectStore) -> None:
    with pytest.raises(ObjectNotFound) as raised:
        await store.stat("no/such/key")
    assert raised.value.code == "object_not_found"
    assert isinstance(raised.value, DomainError)
    with pytest.raises(ObjectNotFound):
        await store.get_stream("no/such/key")
    with pytest.raises(ObjectNotFound):
        await store.sha256("no/such/key")


async def test_delete_then_stat_raises(store: ObjectStore) -> None:
    await store.put("doomed", b"bye", length=3, content_type="text/plain")

    await store.delete("doomed")

    with pytest.raises(ObjectNotFound):
        await store.stat("doomed")
    await store.delete("doomed")  # deleting again is not an error


async def test_list_by_prefix_returns_exact_keys(store: ObjectStore) -> None:
    keys = ["a", "a/1", "a/2", "a/b/3", "ab/4", "b/5"]
    for key in keys:
        await store.put(key, key.encode(), length=len(key), content_type="text/plain")

    async def listed(prefix: str) -> list[str]:
        return [obj.key for obj in await store.list(prefix)]

    assert await listed("") == keys
    assert await listed("a/") == ["a/1", "a/2", "a/b/3"]
    assert await listed("a") == ["a", "a/1", "a/2", "a/b/3", "ab/4"]
    assert await listed("a/b") == ["a/b/3"]
    assert await listed("zz") == []
    assert [obj.sha256 for obj in await store.list("b/")] == [sha(b"b/5")]


async def test_reading_an_unconsumed_stream_can_be_closed(store: ObjectStore) -> None:
    await store.put("k", b"data", length=4, content_type="a/b")
    stream = await store.get_stream("k")

    await stream.aclose()


@pytest.mark.parametrize("key", [*TRAVERSALS, "x" * 513, "a/" + "y" * 256])
async def test_unsafe_keys_are_rejected(store: ObjectStore, key: str) -> None:
    with pytest.raises(InvalidKey) as raised:
        await store.put(key, b"x", length=1, content_type="a/b")
    assert raised.value.code == "invalid_object_key"
    for attempt in (
        store.stat(key),
        store.get_stream(key),
        store.sha256(key),
        store.delete(key),
        store.presign_get(key, expires=timedelta(minutes=5)),
        store.presign_put(key, expires=timedelta(minutes=5), content_type="a/b", size=1),
    ):
        with pytest.raises(InvalidKey):
            await attempt


@pytest.mark.parametrize("prefix", ["../", "/a", "a//", "a/../b/", "a\\"])
async def test_unsafe_prefixes_are_rejected(store: ObjectStore, prefix: str) -> None:
    with pytest.raises(InvalidKey):
        await store.list(prefix)


@pytest.mark.parametrize(
    "metadata", [{"Upper": "v"}, {"content type": "v"}, {"sha256": "v"}, {"name": "报告"}]
)
async def test_metadata_outside_the_common_subset_is_refused(
    store: ObjectStore, metadata: dict[str, str]
) -> None:
    with pytest.raises(ValueError, match="metadata"):
        await store.put("k", b"x", length=1, content_type="a/b", metadata=metadata)


async def test_cancelled_put_leaves_nothing(store: ObjectStore) -> None:
    first_chunk_taken = asyncio.Event()

    async def stalls() -> AsyncIterator[bytes]:
        yield b"first"
        first_chunk_taken.set()
        await asyncio.Event().wait()  # a client that stops sending
        yield b"never"

    upload = asyncio.create_task(store.put("k", stalls(), length=None, content_type="a/b"))
    await first_chunk_taken.wait()
    upload.cancel()
    with pytest.raises(asyncio.CancelledError):
        await upload

    with pytest.raises(ObjectNotFound):
        await store.stat("k")


async def test_s3_presigned_put_then_get_over_http(s3_store: S3Store) -> None:
    data = os.urandom(50_000)
    upload = await s3_store.presign_put(
        "direct/upload.bin",
        expires=timedelta(minutes=5),
        content_type="application/zip",
        size=len(data),
    )
    async with httpx.AsyncClient() as http:
        uploaded = await http.put(upload.url, content=data, headers=dict(upload.headers))
        assert uploaded.status_code == 200, uploaded.text

        get_url = await s3_store.presign_get("direct/upload.bin", expires=timedelta(minutes=5))
        downloaded = await http.get(get_url)

    assert downloaded.status_code == 200
    assert downloaded.content == data
    stat = await s3_store.stat("direct/upload.bin")
    # A direct upload carries no digest; re-hashing supplies it.
    assert (stat.sha256, stat.content_type, stat.size) == (None, "application/zip", len(data))
    assert await s3_store.sha256("direct/upload.bin") == sha(data)


async def test_s3_same_key_twice_keeps_two_versions(
    s3_store: S3Store, each_s3_server: S3Server
) -> None:
    first = await s3_store.put("versioned", b"one", length=3, content_type="text/plain")
    second = await s3_store.put("versioned", chunks_of(b"two"), length=None, content_type="a/b")

    assert first.version_id
    assert second.version_id
    assert first.version_id != second.version_id
    assert (await s3_store.stat("versioned")).version_id == second.version_id

    # Staged uploads are removed by version, so no staging object or version lingers.
    raw = Minio(
        each_s3_server.endpoint,
        each_s3_server.access_key,
        each_s3_server.secret_key,
        secure=False,
    )
    bucket = s3_store._bucket  # the test's own random bucket
    versions = list(raw.list_objects(bucket, recursive=True, include_version=True))
    assert sorted(v.version_id for v in versions) == sorted([first.version_id, second.version_id])
    assert {v.object_name for v in versions} == {"versioned"}


async def test_local_presigned_urls_verify_and_resist_tampering(tmp_path: Path) -> None:
    now = time.time()
    store = make_local_store(tmp_path, clock=now)
    url = (
        await store.presign_put(
            "direct/upload.bin", expires=timedelta(minutes=5), content_type="a/b", size=9
        )
    ).url
    bound = ("a/b", "9")

    parts = urlsplit(url)
    assert url.startswith(f"{BASE_URL}/direct/upload.bin?")
    key = parts.path.removeprefix(urlsplit(BASE_URL).path + "/")
    query = parse_qs(parts.query)
    expires, sig = int(query["expires"][0]), query["sig"][0]
    assert expires == int(now) + 300

    assert store.verify_signature("PUT", key, expires, sig, bound)
    assert not store.verify_signature("GET", key, expires, sig, bound)
    assert not store.verify_signature("PUT", "direct/other.bin", expires, sig, bound)
    assert not store.verify_signature("PUT", "../direct/upload.bin", expires, sig, bound)
    assert not store.verify_signature("PUT", key, expires + 1, sig, bound)
    flipped = sig[:-1] + ("0" if sig[-1] != "0" else "1")
    assert not store.verify_signature("PUT", key, expires, flipped, bound)
    assert not store.verify_signature("PUT", key, expires, "签名", bound)
    later = make_local_store(tmp_path, clock=now + 301)
    assert not later.verify_signature("PUT", key, expires, sig, bound)
    other_key = LocalStore(tmp_path, signing_key=b"another-key", base_url=BASE_URL)
    assert not other_key.verify_signature("PUT", key, expires, sig, bound)
    assert not store.verify_signature("PUT", key, expires, sig, ("text/html", "9"))
    assert not store.verify_signature("PUT", key, expires, sig, ("a/b", "10"))

    get_url = await store.presign_get("direct/upload.bin", expires=timedelta(minutes=5))
    get_query = parse_qs(urlsplit(get_url).query)
    assert store.verify_signature("GET", key, expires, get_query["sig"][0], ("", ""))


async def test_presign_expiry_is_bounded(store: ObjectStore) -> None:
    with pytest.raises(ValueError, match="expiry"):
        await store.presign_get("k", expires=timedelta(days=8))
    with pytest.raises(ValueError, match="expiry"):
        await store.presign_get("k", expires=timedelta(0))


async def test_local_replacing_a_key_keeps_one_blob(tmp_path: Path) -> None:
    store = make_local_store(tmp_path)
    first = await store.put("a", b"one", length=3, content_type="text/plain")
    await store.put("a/b", b"child", length=5, content_type="text/plain")
    second = await store.put("a", b"two", length=3, content_type="text/plain")

    assert first.version_id != second.version_id
    assert sorted(p.name for p in (tmp_path / "a").iterdir() if p.is_file()) == [
        f"~{second.version_id}.blob",
        "~meta.json",
    ]
    assert await read_all(store, "a") == b"two"
    assert await read_all(store, "a/b") == b"child"


def test_settings_build_the_configured_backend(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    class ArchiveStorageSettings(StorageSettings):
        model_config = SettingsConfigDict(env_prefix="ECOHOST_TEST_STORAGE_")

    monkeypatch.setenv("ECOHOST_TEST_STORAGE_LOCAL_ROOT", str(tmp_path))
    assert isinstance(build_store(ArchiveStorageSettings()), LocalStore)

    monkeypatch.setenv("ECOHOST_TEST_STORAGE_BACKEND", "s3")
    with pytest.raises(ValidationError, match="s3_endpoint"):
        ArchiveStorageSettings()

    monkeypatch.setenv("ECOHOST_TEST_STORAGE_S3_ENDPOINT", "127.0.0.1:9000")
    monkeypatch.setenv("ECOHOST_TEST_STORAGE_S3_ACCESS_KEY", "access")
    monkeypatch.setenv("ECOHOST_TEST_STORAGE_S3_SECRET_KEY", "secret")
    assert isinstance(build_store(ArchiveStorageSettings()), S3Store)

    monkeypatch.setenv("ECOHOST_TEST_STORAGE_S3_ENDPOINT", "https://minio:9000")
    with pytest.raises(ValidationError, match="scheme"):
        ArchiveStorageSettings()


async def test_a_new_s3_bucket_locks_a_retained_version_in_governance_mode(
    s3_store: S3Store, each_s3_server: S3Server
):
    assert await s3_store.object_lock() == OBJECT_LOCK_GOVERNANCE
    stored = await s3_store.put("locked", b"finalised", length=None, content_type="text/plain")
    until = datetime.now(UTC) + timedelta(days=3650)
    assert await s3_store.retain("locked", version_id=stored.version_id, until=until)

    raw = Minio(
        each_s3_server.endpoint,
        each_s3_server.access_key,
        each_s3_server.secret_key,
        secure=False,
    )
    head = raw.stat_object(s3_store._bucket, "locked", version_id=stored.version_id)
    assert head.metadata is not None
    assert head.metadata["x-amz-object-lock-mode"] == GOVERNANCE
    retained = datetime.fromisoformat(head.metadata["x-amz-object-lock-retain-until-date"])
    assert abs(retained - until) < timedelta(seconds=1)
    # The version cannot be deleted without the bypass permission; hiding it behind a
    # delete marker (what `delete` does) is still allowed, and the bytes stay.
    with pytest.raises(S3Error):
        raw.remove_object(s3_store._bucket, "locked", version_id=stored.version_id)
    await s3_store.delete("locked")
    kept = raw.get_object(s3_store._bucket, "locked", version_id=stored.version_id)
    try:
        assert kept.read() == b"finalised"
    finally:
        kept.close()
        kept.release_conn()


async def test_a_bucket_made_without_object_lock_is_reported_and_left_alone(
    each_s3_server: S3Server,
):
    store = make_s3_store(each_s3_server)
    raw = Minio(
        each_s3_server.endpoint,
        each_s3_server.access_key,
        each_s3_server.secret_key,
        secure=False,
    )
    raw.make_bucket(store._bucket)  # an operator's bucket, created before us
    await store.ensure_bucket()
    assert await store.object_lock() == OBJECT_LOCK_NOT_ENABLED
    stored = await store.put("plain", b"x", length=None, content_type="text/plain")
    until = datetime.now(UTC) + timedelta(days=1)
    assert not await store.retain("plain", version_id=stored.version_id, until=until)
    raw.remove_object(store._bucket, "plain", version_id=stored.version_id)


async def test_the_local_store_reports_no_object_lock(tmp_path: Path):
    store = make_local_store(tmp_path / "objects")
    await store.ensure_bucket()
    assert await store.object_lock() == OBJECT_LOCK_NOT_SUPPORTED
    await store.put("file", b"x", length=None, content_type="text/plain")
    until = datetime.now(UTC) + timedelta(days=1)
    assert not await store.retain("file", version_id=None, until=until)
    await store.delete("file")
