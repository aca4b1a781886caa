"""The object storage contract that the S3 and local backends share.

Callers (the archive service first) see one `ObjectStore`: keys they build from
their own IDs, SHA-256 of every byte written, presigned URLs for direct
transfers. Keys are checked here, once for both backends, so that a name a user
typed can never become a filesystem path or escape a prefix.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import hashlib
import io
import re
import threading
import urllib.parse
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import BinaryIO, Protocol, TypeVar

from contracts.core import Conflict, NotFound, ValidationFailed

MAX_KEY_LENGTH = 512
# A segment is a directory name in the local backend; 255 bytes is the usual NAME_MAX.
MAX_SEGMENT_LENGTH = 255
CHUNK_SIZE = 1024 * 1024
# S3 SigV4 refuses presigned URLs valid for longer; the local backend keeps the same bound.
MAX_PRESIGN_EXPIRY = timedelta(days=7)
SHA256_METADATA_KEY = "sha256"
# S3 allows 2 KiB of user metadata in all; keeping to it makes both backends accept the same.
MAX_METADATA_BYTES = 2048

_SEGMENT = re.compile(r"[A-Za-z0-9._-]+")
# Lower case because S3 lowercases metadata names; no header names a proxy could act on.
_METADATA_NAME = re.compile(r"[a-z0-9][a-z0-9-]*")

T = TypeVar("T")

PutSource = bytes | AsyncIterator[bytes] | BinaryIO


class ObjectNotFound(NotFound):
    """No object under this key (or it was deleted)."""

    code = "object_not_found"


class InvalidKey(ValidationFailed):
    """A key or prefix outside the safe key grammar; nothing was touched."""

    code = "invalid_object_key"


class ObjectExists(Conflict):
    """A write-once upload found an object already under its key; nothing was written."""

    code = "object_exists"


OBJECT_LOCK_GOVERNANCE = "governance"
OBJECT_LOCK_NOT_ENABLED = "not enabled on the bucket"
OBJECT_LOCK_NOT_SUPPORTED = "not supported"


@dataclass(frozen=True, slots=True)
class StoredObject:
    """What the store knows about one object version."""

    key: str
    size: int
    # Hex SHA-256 of the content; None when the object was written without it
    # (a presigned upload) — `ObjectStore.sha256()` then re-hashes the bytes.
    sha256: str | None
    content_type: str
    version_id: str | None
    etag: str
    last_modified: datetime
    metadata: Mapping[str, str] = field(default_factory=dict, hash=False)


@dataclass(frozen=True, slots=True)
class PresignedUpload:
    """A write-once upload: PUT the bytes to `url` sending exactly `headers`.

    The declared size and content type are part of the signature, and the PUT is
    refused once an object exists under the key, so the URL cannot replace what was
    uploaded (and checked) before.
    """

    url: str
    headers: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Purged:
    """What `ObjectStore.purge` removed, and the versions it could not remove."""

    removed: int
    remaining: tuple[str, ...] = ()


# Sent with every download of stored bytes (where the store lets us): never rendered by
# the browser in our origin, never sniffed into an active type.
DOWNLOAD_SECURITY_HEADERS: Mapping[str, str] = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cache-Control": "private, no-store",
}


def attachment_disposition(filename: str | None) -> str:
    """`attachment`, with the user's file name as an RFC 6266 `filename*` (UTF-8, percent
    encoded) and a plain ASCII `filename` fallback without quotes or controls."""
    if not filename:
        return "attachment"
    fallback = "".join(
        ch if ch.isascii() and ch.isprintable() and ch not in '"\\;%' else "_" for ch in filename
    )
    encoded = urllib.parse.quote(filename, safe="")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}"


class ObjectStore(Protocol):
    """Asynchronous object storage; every method validates its key first."""

    async def ensure_bucket(self) -> None:
        """Create the bucket (or root) if missing; enable versioning where supported."""
        ...

    async def put(
        self,
        key: str,
        data: PutSource,
        *,
        length: int | None,
        content_type: str,
        metadata: dict[str, str] | None = None,
    ) -> StoredObject:
        """Stream `data` to `key`, hashing as it goes; `length`, if given, must match."""
        ...

    async def stat(self, key: str, *, version_id: str | None = None) -> StoredObject:
        """Describe the current version (or `version_id`); raises ObjectNotFound."""
        ...

    async def get_stream(
        self, key: str, *, version_id: str | None = None
    ) -> AsyncGenerator[bytes, None]:
        """Open the object (or `version_id` of it; raising ObjectNotFound here) and
        return its chunks.

        Read the iterator to the end or `aclose()` it, so the file or connection
        is released at once rather than when it is collected.
        """
        ...

    async def sha256(self, key: str, *, version_id: str | None = None) -> str:
        """Re-hash the stored bytes of the current version (or `version_id`), streamed;
        raises ObjectNotFound."""
        ...

    async def delete(self, key: str) -> None:
        """Remove the object; deleting a missing key is not an error. A versioned
        store keeps older versions (see `purge`)."""
        ...

    async def purge(self, key: str) -> Purged:
        """Remove every version of `key`, bypassing governance retention where this
        process may; versions that stay (a compliance lock, a refused bypass) are
        reported in `Purged.remaining`, never silently kept."""
        ...

    async def presign_put(
        self, key: str, *, expires: timedelta, content_type: str, size: int
    ) -> PresignedUpload:
        """A write-once upload of exactly `size` bytes of `content_type` to `key`, until
        it expires: refused by the store once an object exists under the key, or when
        the size or type differ from the signed ones."""
        ...

    async def presign_get(
        self,
        key: str,
        *,
        expires: timedelta,
        version_id: str | None = None,
        filename: str | None = None,
    ) -> str:
        """A URL that lets its holder download `key` (exactly `version_id`, if given)
        until it expires, served as an attachment named `filename`."""
        ...

    async def list(self, prefix: str) -> list[StoredObject]:
        """Objects whose key starts with `prefix` (a plain string prefix), sorted by key."""
        ...

    async def object_lock(self) -> str:
        """Whether `retain` locks anything: `OBJECT_LOCK_GOVERNANCE`, or why not
        (`OBJECT_LOCK_NOT_ENABLED` on the bucket, `OBJECT_LOCK_NOT_SUPPORTED` by the store)."""
        ...

    async def retain(self, key: str, *, version_id: str | None, until: datetime) -> bool:
        """Put this version of `key` under governance-mode retention until `until`: it
        cannot be overwritten or deleted before then without the bypass permission.
        Returns False, changing nothing, where `object_lock()` is not governance."""
        ...


def validate_key(key: str) -> str:
    """Return `key` if it is `/`-separated safe segments; raise InvalidKey otherwise."""
    if not key:
        raise InvalidKey("object key is empty", field="key")
    if len(key) > MAX_KEY_LENGTH:
        raise InvalidKey(f"object key is longer than {MAX_KEY_LENGTH} characters", field="key")
    for segment in key.split("/"):
        # An empty segment covers a leading "/", a trailing "/" and "//".
        if not _SEGMENT.fullmatch(segment) or segment in (".", ".."):
            raise InvalidKey(
                "object key segments must be non-empty [A-Za-z0-9._-], not '.' or '..'",
                field="key",
            )
        if len(segment) > MAX_SEGMENT_LENGTH:
            raise InvalidKey(
                f"object key segment is longer than {MAX_SEGMENT_LENGTH} characters", field="key"
            )
    return key


def is_valid_key(key: str) -> bool:
    try:
        validate_key(key)
    except InvalidKey:
        return False
    return True


def validate_prefix(prefix: str) -> str:
    """A list prefix: whole valid segments, then optionally the start of one more."""
    head, slash, tail = prefix.rpartition("/")
    if (
        len(prefix) > MAX_KEY_LENGTH
        or (slash and not is_valid_key(head))
        or (tail and not _SEGMENT.fullmatch(tail))
    ):
        raise InvalidKey("object key prefix is not made of valid key segments", field="prefix")
    return prefix


def validate_metadata(metadata: Mapping[str, str] | None) -> dict[str, str]:
    """User metadata both backends store alike: lower-case names, printable ASCII values.

    Raises ValueError: metadata comes from our code, not from end users (encode a
    user's file name before storing it).
    """
    result = dict(metadata or {})
    for name, value in result.items():
        if not _METADATA_NAME.fullmatch(name) or name == SHA256_METADATA_KEY:
            raise ValueError(
                f"metadata name {name!r} must be [a-z0-9-] and not {SHA256_METADATA_KEY!r}"
            )
        if not (value.isascii() and value.isprintable()):
            raise ValueError(f"metadata {name!r} must be printable ASCII")
    if sum(len(n) + len(v) for n, v in result.items()) > MAX_METADATA_BYTES - 100:
        # 100 bytes stay free for the sha256 entry the store adds.
        raise ValueError(f"metadata is larger than {MAX_METADATA_BYTES - 100} bytes")
    return result


def validate_expiry(expires: timedelta) -> int:
    """Seconds of a presigned URL's validity, within (0, 7 days]."""
    if not timedelta(0) < expires <= MAX_PRESIGN_EXPIRY:
        raise ValueError(f"expiry must be positive and at most {MAX_PRESIGN_EXPIRY}")
    return int(expires.total_seconds())


class _Abandoned(Exception):
    """Raised inside a worker thread whose awaiting task was cancelled."""


class HashingReader:
    """A blocking `read(n)` over any put() source, for use in a worker thread.

    It hashes and counts exactly the bytes it hands out, so the digest describes
    what the backend stored, not what the caller meant to send. An async
    iterator is pulled through the event loop chunk by chunk, so memory holds
    at most one read's worth (one S3 part), never the whole upload.
    """

    def __init__(self, source: PutSource, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._iterator: AsyncIterator[bytes] | None = None
        self._file: BinaryIO | None = None
        if isinstance(source, bytes):
            self._file = io.BytesIO(source)
        elif isinstance(source, AsyncIterator):
            self._iterator = source
        else:
            self._file = source
        self._pending = b""
        self._digest = hashlib.sha256()
        # Guards `_abandoned` and `_next`: abandon() runs on the loop, reads in the worker.
        self._lock = threading.Lock()
        self._abandoned = False
        self._next: concurrent.futures.Future[bytes | None] | None = None
        self.size = 0

    @property
    def sha256(self) -> str:
        return self._digest.hexdigest()

    def abandon(self) -> None:
        """Make reads fail, so the worker thread stops and cleans up after a cancel.

        A read waiting for the next chunk of an async iterator is woken too, or
        a source that never yields again would hold the thread forever.
        """
        with self._lock:
            self._abandoned = True
            if self._next is not None:
                self._next.cancel()

    def read(self, size: int = -1) -> bytes:
        if self._abandoned:
            raise _Abandoned("the upload was cancelled")
        data = self._file.read(size) if self._file is not None else self._read_iterator(size)
        self._digest.update(data)
        self.size += len(data)
        return data

    def check_length(self, expected: int | None) -> None:
        if expected is not None and expected != self.size:
            raise ValueError(f"declared length {expected} but the source gave {self.size} bytes")

    def _read_iterator(self, size: int) -> bytes:
        # Fill the whole request at once: minio asks for a part at a time and
        # would otherwise grow it by `+=` on bytes, copying it once per chunk.
        parts = [self._pending]
        have = len(self._pending)
        while size < 0 or have < size:
            chunk = self._next_chunk()
            if not chunk:
                break
            parts.append(chunk)
            have += len(chunk)
        data = b"".join(parts)
        if 0 <= size < len(data):
            data, self._pending = data[:size], data[size:]
        else:
            self._pending = b""
        return data

    def _next_chunk(self) -> bytes:
        assert self._iterator is not None
        while True:
            with self._lock:
                if self._abandoned:
                    raise _Abandoned("the upload was cancelled")
                future = asyncio.run_coroutine_threadsafe(_next_or_none(self._iterator), self._loop)
                self._next = future
            try:
                chunk = future.result()
            except concurrent.futures.CancelledError:
                raise _Abandoned("the upload was cancelled") from None
            if chunk is None:
                return b""
            if not isinstance(chunk, bytes):
                raise TypeError("an upload iterator must yield bytes")
            if chunk:  # an empty chunk mid-stream is not the end
                return chunk


async def _next_or_none(iterator: AsyncIterator[bytes]) -> bytes | None:
    try:
        return await anext(iterator)
    except StopAsyncIteration:
        return None


async def write_in_thread(reader: HashingReader, write: Callable[[], T]) -> T:
    """Run a blocking write that pulls from `reader` without blocking the event loop."""
    try:
        return await asyncio.to_thread(write)
    except asyncio.CancelledError:
        # A thread cannot be cancelled; failing its next read makes it abort the
        # upload and remove its temporary data instead of finishing unseen.
        reader.abandon()
        raise


async def start_stream(chunks: AsyncGenerator[bytes, None]) -> AsyncGenerator[bytes, None]:
    """Run a chunk generator to its first, empty, yield and return it.

    The generators open their file or response before that first yield, so a
    missing object raises from `await get_stream()` (before an HTTP route has
    sent a status), and the open resource already sits inside the generator's
    try/finally, which `aclose()` or collection will run.
    """
    first = await anext(chunks)
    if first:
        raise RuntimeError("a chunk generator must first yield b'' once it is open")
    return chunks
