"""ObjectStore on S3 or MinIO, through the synchronous minio SDK run in worker threads."""

from __future__ import annotations

import asyncio
import builtins
import hashlib
import io
import math
import uuid
from collections.abc import AsyncGenerator, Mapping
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any, BinaryIO, cast
from urllib.parse import urlsplit, urlunsplit

import structlog
from minio import Minio
from minio.commonconfig import ENABLED, GOVERNANCE, REPLACE, CopySource
from minio.datatypes import Object
from minio.deleteobjects import DeleteObject
from minio.error import S3Error
from minio.helpers import ObjectWriteResult
from minio.retention import Retention
from minio.versioningconfig import VersioningConfig
from urllib3 import BaseHTTPResponse

from kit.storage.base import (
    CHUNK_SIZE,
    DOWNLOAD_SECURITY_HEADERS,
    OBJECT_LOCK_GOVERNANCE,
    OBJECT_LOCK_NOT_ENABLED,
    OBJECT_LOCK_NOT_SUPPORTED,
    SHA256_METADATA_KEY,
    HashingReader,
    ObjectNotFound,
    PresignedUpload,
    Purged,
    PutSource,
    StoredObject,
    attachment_disposition,
    is_valid_key,
    start_stream,
    validate_expiry,
    validate_key,
    validate_metadata,
    validate_prefix,
    write_in_thread,
)
from kit.storage.sigv4 import presign

log = structlog.get_logger(__name__)

# Streams go to a staging key first: S3 takes metadata before the body, but the
# SHA-256 is known only after it. A server-side copy then publishes the object
# with its digest in one step. "~" is outside the key grammar, so no caller key
# can collide with or list a staging key.
STAGING_PREFIX = "~staging/"
# minio buffers a part in memory; one 8 MiB part at a time bounds each upload.
# Large files should travel through presigned URLs anyway.
PART_SIZE = 8 * 1024 * 1024
_MAX_PARTS = 10_000
# HEADs in flight for one list(): enough to hide latency, few enough to leave
# the shared thread pool to other work.
_LIST_CONCURRENCY = 8
_NOT_FOUND = frozenset({"NoSuchKey", "NoSuchVersion"})
_USER_METADATA_PREFIX = "x-amz-meta-"


class S3Store:
    """Objects in one bucket of an S3-compatible server."""

    def __init__(
        self,
        endpoint: str,
        access_key: str,
        secret_key: str,
        bucket: str,
        *,
        secure: bool,
        region: str = "us-east-1",
    ) -> None:
        # A fixed region also spares minio a GetBucketLocation call before signing.
        self._client = Minio(
            endpoint, access_key=access_key, secret_key=secret_key, secure=secure, region=region
        )
        self._bucket = bucket
        self._region = region
        self._access_key = access_key
        self._secret_key = secret_key
        self._lock: str | None = None  # found by ensure_bucket

    async def ensure_bucket(self) -> None:
        await asyncio.to_thread(self._ensure_bucket)

    async def put(
        self,
        key: str,
        data: PutSource,
        *,
        length: int | None,
        content_type: str,
        metadata: dict[str, str] | None = None,
    ) -> StoredObject:
        validate_key(key)
        user_metadata = validate_metadata(metadata)
        if isinstance(data, bytes):
            # Already in memory: hash first, one request, no staging copy.
            if length is not None and length != len(data):
                raise ValueError(f"declared length {length} but the data has {len(data)} bytes")
            return await asyncio.to_thread(self._put_bytes, key, data, content_type, user_metadata)
        reader = HashingReader(data, asyncio.get_running_loop())
        return await write_in_thread(
            reader, lambda: self._put_stream(key, reader, length, content_type, user_metadata)
        )

    async def stat(self, key: str, *, version_id: str | None = None) -> StoredObject:
        validate_key(key)
        return await asyncio.to_thread(self._stat, key, version_id)

    async def get_stream(
        self, key: str, *, version_id: str | None = None
    ) -> AsyncGenerator[bytes, None]:
        validate_key(key)
        return await start_stream(self._chunks(key, version_id))

    async def sha256(self, key: str, *, version_id: str | None = None) -> str:
        validate_key(key)
        return await asyncio.to_thread(self._sha256, key, version_id)

    async def delete(self, key: str) -> None:
        validate_key(key)
        # With versioning this adds a delete marker; older versions stay recoverable.
        await asyncio.to_thread(self._client.remove_object, self._bucket, key)

    async def purge(self, key: str) -> Purged:
        validate_key(key)
        return await asyncio.to_thread(self._purge, key)

    async def presign_put(
        self, key: str, *, expires: timedelta, content_type: str, size: int
    ) -> PresignedUpload:
        validate_key(key)
        seconds = validate_expiry(expires)
        # minio builds the object's address (path or virtual-host style) but signs only
        # `host`; the signature is made again here over the headers the PUT must send.
        # `If-None-Match: *` is S3's conditional write: refused (412) once the key exists.
        headers = {
            "Content-Type": content_type,
            "Content-Length": str(size),
            "If-None-Match": "*",
        }
        address = await asyncio.to_thread(
            self._client.get_presigned_url, "PUT", self._bucket, key, expires
        )
        parts = urlsplit(address)
        url = presign(
            "PUT",
            urlunsplit((parts.scheme, parts.netloc, parts.path, "", "")),
            headers=headers,
            access_key=self._access_key,
            secret_key=self._secret_key,
            region=self._region,
            expires=seconds,
            now=datetime.now(UTC),
        )
        return PresignedUpload(url=url, headers=headers)

    async def presign_get(
        self,
        key: str,
        *,
        expires: timedelta,
        version_id: str | None = None,
        filename: str | None = None,
    ) -> str:
        """S3 answers with the response-* overrides signed into the URL (attachment,
        no caching); it cannot add `X-Content-Type-Options` or a CSP — see
        docs/security.md."""
        validate_key(key)
        validate_expiry(expires)
        overrides: dict[str, str | list[str] | tuple[str]] = {
            "response-content-disposition": attachment_disposition(filename),
            "response-cache-control": DOWNLOAD_SECURITY_HEADERS["Cache-Control"],
        }
        return await asyncio.to_thread(
            self._client.presigned_get_object,
            self._bucket,
            key,
            expires,
            response_headers=overrides,
            version_id=version_id,
        )

    async def list(self, prefix: str) -> list[StoredObject]:
        validate_prefix(prefix)
        keys = await asyncio.to_thread(self._list_keys, prefix)
        # A listing carries no user metadata, so each object costs a HEAD; fine
        # for the package-sized prefixes the archive lists.
        limit = asyncio.Semaphore(_LIST_CONCURRENCY)

        async def stat(key: str) -> StoredObject | None:
            async with limit:
                return await self._stat_or_none(key)

        found = await asyncio.gather(*(stat(k) for k in keys))
        return [obj for obj in found if obj is not None]

    async def object_lock(self) -> str:
        if self._lock is None:
            self._lock = await asyncio.to_thread(self._detect_lock)
        return self._lock

    async def retain(self, key: str, *, version_id: str | None, until: datetime) -> bool:
        validate_key(key)
        if await self.object_lock() != OBJECT_LOCK_GOVERNANCE:
            return False
        retention = Retention(GOVERNANCE, until.astimezone(UTC))
        await asyncio.to_thread(
            self._client.set_object_retention, self._bucket, key, retention, version_id
        )
        return True

    # -- blocking helpers, run in worker threads --------------------------------

    def _detect_lock(self) -> str:
        """Object lock is a property of the bucket, fixed when it was created."""
        try:
            config = self._client.get_object_lock_config(self._bucket)
        except S3Error as exc:
            if exc.code == "ObjectLockConfigurationNotFoundError":
                return OBJECT_LOCK_NOT_ENABLED
            if exc.code in ("NotImplemented", "MethodNotAllowed", "InvalidRequest"):
                return OBJECT_LOCK_NOT_SUPPORTED
            raise
        # A default retention would make every PUT (presigned uploads too) need a
        # Content-MD5; this store locks each finalised version itself instead.
        if config.mode is not None:
            log.warning("storage.object_lock_default_retention", bucket=self._bucket)
        return OBJECT_LOCK_GOVERNANCE

    def _ensure_bucket(self) -> None:
        if not self._client.bucket_exists(self._bucket):
            try:
                self._make_bucket()
            except S3Error as exc:
                # Another process created it between our check and our request.
                if exc.code != "BucketAlreadyOwnedByYou":
                    raise
        try:
            # Read first: an operator may have enabled it already, and this
            # process then needs no right to change bucket settings.
            if self._client.get_bucket_versioning(self._bucket).status != ENABLED:
                self._client.set_bucket_versioning(self._bucket, VersioningConfig(ENABLED))
        except S3Error as exc:
            if exc.code not in ("NotImplemented", "MethodNotAllowed"):
                raise
            log.warning("storage.versioning_unsupported", bucket=self._bucket, code=exc.code)
        self._lock = self._detect_lock()

    def _make_bucket(self) -> None:
        """A new bucket gets object lock enabled (it also turns on versioning), so that
        finalised versions can be retained; a server without it gets a plain bucket."""
        try:
            self._client.make_bucket(self._bucket, location=self._region, object_lock=True)
        except S3Error as exc:
            if exc.code in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                raise
            log.warning("storage.object_lock_unsupported", bucket=self._bucket, code=exc.code)
            self._client.make_bucket(self._bucket, location=self._region)

    def _put_bytes(
        self, key: str, data: bytes, content_type: str, metadata: dict[str, str]
    ) -> StoredObject:
        digest = hashlib.sha256(data).hexdigest()
        result = self._client.put_object(
            self._bucket,
            key,
            io.BytesIO(data),
            len(data),
            content_type=content_type,
            metadata=_metadata_headers(metadata, digest),
        )
        return _written(key, result, len(data), digest, content_type, metadata)

    def _put_stream(
        self,
        key: str,
        reader: HashingReader,
        length: int | None,
        content_type: str,
        metadata: dict[str, str],
    ) -> StoredObject:
        staging = f"{STAGING_PREFIX}{uuid.uuid4().hex}"
        staged = self._client.put_object(
            self._bucket,
            staging,
            cast(BinaryIO, reader),  # minio only calls read()
            -1,  # minio reads to EOF; our own count checks `length` afterwards
            content_type=content_type,
            part_size=_part_size(length),
            num_parallel_uploads=1,
        )
        try:
            reader.check_length(length)
            headers = _metadata_headers(metadata, reader.sha256)
            headers["Content-Type"] = content_type
            result = self._client.copy_object(
                self._bucket,
                key,
                CopySource(self._bucket, staging, version_id=staged.version_id),
                metadata=headers,
                metadata_directive=REPLACE,
            )
        finally:
            self._remove_staged(staging, staged.version_id)
        return _written(key, result, reader.size, reader.sha256, content_type, metadata)

    def _remove_staged(self, staging: str, version_id: str | None) -> None:
        """Delete the staged version by its id: in a versioned bucket a plain delete would
        only hide the bytes behind a delete marker. A bucket's default retention also
        locks the staged version (found on SeaweedFS: the plain delete was refused and
        the put failed), so the delete bypasses governance mode; a version that stays
        (a compliance default) is logged, and the object itself is still written."""
        target = [DeleteObject(staging, version_id)]
        for error in self._client.remove_objects(self._bucket, target, bypass_governance_mode=True):
            log.warning(
                "storage.staging_retained", key=staging, version_id=version_id, code=error.code
            )

    def _purge(self, key: str) -> Purged:
        """Every version and delete marker of exactly `key` (a listing by prefix also
        returns longer keys), each deleted by its id with the governance bypass, in
        one multi-object delete per listing page."""
        listed = self._client.list_objects(self._bucket, prefix=key, include_version=True)
        versions = [o.version_id for o in listed if o.object_name == key]
        targets = [DeleteObject(key, version_id) for version_id in versions]
        for error in self._client.remove_objects(
            self._bucket, targets, bypass_governance_mode=True
        ):
            log.warning("storage.purge_refused", key=key, code=error.code)
        # What is left is read back, not inferred from the errors (which need not
        # name the version they refer to).
        listed = self._client.list_objects(self._bucket, prefix=key, include_version=True)
        remaining = tuple(o.version_id or "null" for o in listed if o.object_name == key)
        return Purged(removed=len(targets) - len(remaining), remaining=remaining)

    def _stat(self, key: str, version_id: str | None = None) -> StoredObject:
        try:
            info = self._client.stat_object(self._bucket, key, version_id=version_id)
        except S3Error as exc:
            raise _not_found_or(exc, key) from exc
        return _from_stat(key, info)

    async def _stat_or_none(self, key: str) -> StoredObject | None:
        try:
            return await asyncio.to_thread(self._stat, key, None)
        except ObjectNotFound:  # deleted since it was listed
            return None

    def _open(self, key: str, version_id: str | None = None) -> BaseHTTPResponse:
        try:
            return self._client.get_object(self._bucket, key, version_id=version_id)
        except S3Error as exc:
            raise _not_found_or(exc, key) from exc

    async def _chunks(self, key: str, version_id: str | None) -> AsyncGenerator[bytes, None]:
        response = await asyncio.to_thread(self._open, key, version_id)
        try:
            yield b""
            while chunk := await asyncio.to_thread(response.read, CHUNK_SIZE):
                yield chunk
        finally:
            response.close()
            response.release_conn()

    def _sha256(self, key: str, version_id: str | None) -> str:
        response = self._open(key, version_id)
        try:
            digest = hashlib.sha256()
            for chunk in response.stream(CHUNK_SIZE):
                digest.update(chunk)
            return digest.hexdigest()
        finally:
            response.close()
            response.release_conn()

    def _list_keys(self, prefix: str) -> builtins.list[str]:
        listed = self._client.list_objects(self._bucket, prefix=prefix, recursive=True)
        # Keys written by other tools may not follow our grammar; they are not ours to return.
        return sorted(
            name for obj in listed if (name := obj.object_name) is not None and is_valid_key(name)
        )


def _part_size(length: int | None) -> int:
    """PART_SIZE, grown only when a declared length would need more than 10,000 parts."""
    if length is None:
        return PART_SIZE
    return max(PART_SIZE, math.ceil(length / _MAX_PARTS))


def _metadata_headers(metadata: Mapping[str, str], digest: str) -> dict[str, Any]:
    # Prefixed here, because minio would send a bare "content-type" or
    # "cache-control" entry as that HTTP header rather than as user metadata.
    headers: dict[str, Any] = {_USER_METADATA_PREFIX + k: v for k, v in metadata.items()}
    headers[_USER_METADATA_PREFIX + SHA256_METADATA_KEY] = digest
    return headers


def _not_found_or(exc: S3Error, key: str) -> Exception:
    if exc.code in _NOT_FOUND:
        return ObjectNotFound(f"no object at {key!r}", field="key")
    return exc


def _written(
    key: str,
    result: ObjectWriteResult,
    size: int,
    digest: str,
    content_type: str,
    metadata: Mapping[str, str],
) -> StoredObject:
    # A PUT response has no Last-Modified (a copy's does); its Date is when the
    # server stored the object, to the second.
    last_modified = result.last_modified
    if last_modified is None:
        date = result.http_headers.get("Date")
        last_modified = parsedate_to_datetime(date) if date else datetime.now(UTC)
    return StoredObject(
        key=key,
        size=size,
        sha256=digest,
        content_type=content_type,
        version_id=result.version_id,
        etag=(result.etag or "").strip('"'),
        last_modified=last_modified,
        metadata=dict(metadata),
    )


def _from_stat(key: str, info: Object) -> StoredObject:
    headers = info.metadata or {}
    user = {
        name.lower().removeprefix(_USER_METADATA_PREFIX): value
        for name, value in headers.items()
        if name.lower().startswith(_USER_METADATA_PREFIX)
    }
    digest = user.pop(SHA256_METADATA_KEY, None)
    return StoredObject(
        key=key,
        size=info.size or 0,
        sha256=digest,
        content_type=info.content_type or "application/octet-stream",
        version_id=info.version_id,
        etag=info.etag or "",
        last_modified=info.last_modified or datetime.now(UTC),
        metadata=user,
    )
