"""ObjectStore on the local filesystem: the embedded default, no server needed.

Each key is a directory under the root (its segments are safe names, see
`validate_key`) holding

    ~meta.json         the current version: size, sha256, content type, metadata
    ~<version>.blob    that version's bytes

"~" is outside the key grammar, so these names never meet a key segment, and
keys "a" and "a/b" coexist as they do in S3. The sidecar is the commit point: a
put writes and fsyncs a blob under a fresh name, atomically replaces the sidecar
(temp file, fsync, rename), then drops the previous blob. A reader sees the old
object or the new one, never new bytes with old metadata.

Presigned URLs are HMAC-signed; an HTTP route (gateway/files.py) serves them with
`verify_signature`. An upload URL signs the declared Content-Type and Content-Length
and is write-once (`put(if_absent=True)`: the sidecar is linked into place, which fails
if one exists); a download URL signs the version and the attachment's file name.
Empty directories left by deletes are not pruned, so a concurrent put never has its
directory removed under it.
"""

from __future__ import annotations

import asyncio
import builtins
import hashlib
import hmac
import io
import json
import os
import time
import urllib.parse
import uuid
from collections.abc import AsyncGenerator, Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from kit.storage.base import (
    CHUNK_SIZE,
    OBJECT_LOCK_NOT_SUPPORTED,
    HashingReader,
    ObjectExists,
    ObjectNotFound,
    PresignedUpload,
    Purged,
    PutSource,
    StoredObject,
    is_valid_key,
    start_stream,
    validate_expiry,
    validate_key,
    validate_metadata,
    validate_prefix,
    write_in_thread,
)

_META = "~meta.json"
_FORMAT = 1
# Opening retries when a newer put removed the blob between reading the sidecar
# and opening the file; more than a few in a row would mean a pathological writer.
_OPEN_ATTEMPTS = 5


class LocalStore:
    """Objects as files under `root`, with HMAC-signed URLs under `base_url`."""

    def __init__(
        self,
        root: Path,
        *,
        signing_key: bytes,
        base_url: str,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not signing_key:
            raise ValueError("signing_key must not be empty")
        self._root = root
        self._signing_key = signing_key
        self._base_url = base_url.rstrip("/")
        self._clock = clock

    async def ensure_bucket(self) -> None:
        await asyncio.to_thread(self._root.mkdir, parents=True, exist_ok=True)

    async def put(
        self,
        key: str,
        data: PutSource,
        *,
        length: int | None,
        content_type: str,
        metadata: dict[str, str] | None = None,
        if_absent: bool = False,
    ) -> StoredObject:
        """`if_absent`: write once — raise ObjectExists, storing nothing, if an object is
        (or, by the commit, has become) stored under `key`."""
        directory = self._directory(key)
        user_metadata = validate_metadata(metadata)
        if if_absent and (directory / _META).exists():
            raise ObjectExists(f"an object is already stored at {key!r}", field="key")
        reader = HashingReader(data, asyncio.get_running_loop())
        return await write_in_thread(
            reader,
            lambda: self._put(
                key, directory, reader, length, content_type, user_metadata, if_absent
            ),
        )

    async def stat(self, key: str, *, version_id: str | None = None) -> StoredObject:
        directory = self._directory(key)
        return await asyncio.to_thread(self._current, key, directory, version_id)

    async def get_stream(
        self, key: str, *, version_id: str | None = None
    ) -> AsyncGenerator[bytes, None]:
        directory = self._directory(key)
        return await start_stream(self._chunks(key, directory, version_id))

    async def sha256(self, key: str, *, version_id: str | None = None) -> str:
        directory = self._directory(key)
        return await asyncio.to_thread(self._sha256, key, directory, version_id)

    async def delete(self, key: str) -> None:
        directory = self._directory(key)
        await asyncio.to_thread(self._delete, key, directory)

    async def purge(self, key: str) -> Purged:
        """The local store keeps one version, so this is `delete`."""
        directory = self._directory(key)
        existed = await asyncio.to_thread(_load, key, directory)
        await asyncio.to_thread(self._delete, key, directory)
        return Purged(removed=1 if existed is not None else 0)

    async def presign_put(
        self, key: str, *, expires: timedelta, content_type: str, size: int
    ) -> PresignedUpload:
        headers = {
            "Content-Type": content_type,
            "Content-Length": str(size),
            "If-None-Match": "*",
        }
        url = self._presign("PUT", key, expires, {}, (content_type, str(size)))
        return PresignedUpload(url=url, headers=headers)

    async def presign_get(
        self,
        key: str,
        *,
        expires: timedelta,
        version_id: str | None = None,
        filename: str | None = None,
    ) -> str:
        query = {"v": version_id or "", "name": filename or ""}
        return self._presign("GET", key, expires, query, (query["v"], query["name"]))

    async def list(self, prefix: str) -> list[StoredObject]:
        validate_prefix(prefix)
        return await asyncio.to_thread(self._list, prefix)

    async def object_lock(self) -> str:
        return OBJECT_LOCK_NOT_SUPPORTED  # files have no retention a store could enforce

    async def retain(self, key: str, *, version_id: str | None, until: datetime) -> bool:
        validate_key(key)
        return False

    def verify_signature(
        self, method: str, key: str, expires: int, sig: str, bound: Sequence[str] = ()
    ) -> bool:
        """True if `sig` is ours for this method, key, expiry and `bound` values (a PUT's
        Content-Type and Content-Length; a GET's version and file name), unexpired."""
        if not is_valid_key(key) or not sig.isascii() or self._clock() > expires:
            return False
        return hmac.compare_digest(self._sign(method.upper(), key, expires, bound), sig)

    # -- signing ------------------------------------------------------------------

    def _presign(
        self,
        method: str,
        key: str,
        expires: timedelta,
        query: dict[str, str],
        bound: Sequence[str],
    ) -> str:
        validate_key(key)
        deadline = int(self._clock()) + validate_expiry(expires)
        params = {
            **query,
            "expires": str(deadline),
            "sig": self._sign(method, key, deadline, bound),
        }
        # Keys are unreserved URL characters and "/", so they need no quoting.
        return f"{self._base_url}/{key}?{urllib.parse.urlencode(params)}"

    def _sign(self, method: str, key: str, expires: int, bound: Sequence[str]) -> str:
        # A JSON array: no field can shift into the next, whatever characters it holds.
        message = json.dumps([method, key, expires, *bound], ensure_ascii=True).encode()
        return hmac.new(self._signing_key, message, hashlib.sha256).hexdigest()

    # -- blocking helpers, run in worker threads --------------------------------

    def _directory(self, key: str) -> Path:
        return self._root.joinpath(*validate_key(key).split("/"))

    def _put(
        self,
        key: str,
        directory: Path,
        reader: HashingReader,
        length: int | None,
        content_type: str,
        metadata: dict[str, str],
        if_absent: bool = False,
    ) -> StoredObject:
        _make_directories(directory)
        version_id = uuid.uuid4().hex
        blob = directory / _blob_name(version_id)
        try:
            with blob.open("xb") as out:
                while chunk := reader.read(CHUNK_SIZE):
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            reader.check_length(length)
            record = StoredObject(
                key=key,
                size=reader.size,
                sha256=reader.sha256,
                content_type=content_type,
                version_id=version_id,
                etag=reader.sha256,
                last_modified=datetime.fromtimestamp(self._clock(), UTC),
                metadata=metadata,
            )
            previous = _load(key, directory)
            if if_absent:
                _create_file(directory / _META, _encode(record), key)
            else:
                _replace_file(directory / _META, _encode(record))
        except BaseException:
            blob.unlink(missing_ok=True)
            raise
        _fsync_directory(directory)
        if previous is not None and previous.version_id:
            (directory / _blob_name(previous.version_id)).unlink(missing_ok=True)
        return record

    def _current(self, key: str, directory: Path, version_id: str | None = None) -> StoredObject:
        record = _load(key, directory)
        # Only the current version is kept: an older one asked for is gone.
        if record is None or (version_id is not None and record.version_id != version_id):
            raise ObjectNotFound(f"no object at {key!r}", field="key")
        return record

    def _open(self, key: str, directory: Path, version_id: str | None = None) -> io.BufferedReader:
        for _ in range(_OPEN_ATTEMPTS):
            record = self._current(key, directory, version_id)
            try:
                return (directory / _blob_name(record.version_id or "")).open("rb")
            except FileNotFoundError:
                continue  # replaced after we read the sidecar: read it again
        raise ObjectNotFound(f"object at {key!r} keeps changing", field="key")

    async def _chunks(
        self, key: str, directory: Path, version_id: str | None
    ) -> AsyncGenerator[bytes, None]:
        file = await asyncio.to_thread(self._open, key, directory, version_id)
        try:
            yield b""
            while chunk := await asyncio.to_thread(file.read, CHUNK_SIZE):
                yield chunk
        finally:
            file.close()

    def _sha256(self, key: str, directory: Path, version_id: str | None) -> str:
        with self._open(key, directory, version_id) as file:
            return hashlib.file_digest(file, "sha256").hexdigest()

    def _delete(self, key: str, directory: Path) -> None:
        record = _load(key, directory)
        if record is None:
            return
        (directory / _META).unlink(missing_ok=True)
        _fsync_directory(directory)
        (directory / _blob_name(record.version_id or "")).unlink(missing_ok=True)

    def _list(self, prefix: str) -> builtins.list[StoredObject]:
        head, _, tail = prefix.rpartition("/")
        start = self._root.joinpath(*head.split("/")) if head else self._root
        found: list[StoredObject] = []
        for dirpath, dirnames, filenames in os.walk(start):
            if dirpath == str(start):
                # Below the last "/", only names beginning with the rest can match.
                dirnames[:] = [d for d in dirnames if d.startswith(tail)]
            if _META not in filenames:
                continue
            key = Path(dirpath).relative_to(self._root).as_posix()
            if key.startswith(prefix) and is_valid_key(key):
                record = _load(key, Path(dirpath))
                if record is not None:  # deleted while we walked
                    found.append(record)
        return sorted(found, key=lambda obj: obj.key)


def _blob_name(version_id: str) -> str:
    return f"~{version_id}.blob"


def _encode(record: StoredObject) -> bytes:
    return json.dumps(
        {
            "format": _FORMAT,
            "version_id": record.version_id,
            "size": record.size,
            "sha256": record.sha256,
            "content_type": record.content_type,
            "etag": record.etag,
            "last_modified": record.last_modified.isoformat(),
            "metadata": dict(record.metadata),
        },
        sort_keys=True,
    ).encode()


def _load(key: str, directory: Path) -> StoredObject | None:
    try:
        doc = json.loads((directory / _META).read_bytes())
    except FileNotFoundError:
        return None
    return StoredObject(
        key=key,
        size=int(doc["size"]),
        sha256=doc["sha256"],
        content_type=doc["content_type"],
        version_id=doc["version_id"],
        etag=doc["etag"],
        last_modified=datetime.fromisoformat(doc["last_modified"]),
        metadata=doc["metadata"],
    )


def _replace_file(path: Path, data: bytes) -> None:
    """Write `data` to `path` so a crash leaves the old file or the new one, whole."""
    temp = path.with_name(f"~tmp-{uuid.uuid4().hex}")
    try:
        with temp.open("xb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        temp.replace(path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def _create_file(path: Path, data: bytes, key: str) -> None:
    """Write `data` to `path` only if no file is there: the temp file is hard-linked into
    place, which fails atomically if another writer got there first."""
    temp = path.with_name(f"~tmp-{uuid.uuid4().hex}")
    try:
        with temp.open("xb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        try:
            os.link(temp, path)
        except FileExistsError:
            raise ObjectExists(f"an object is already stored at {key!r}", field="key") from None
    finally:
        temp.unlink(missing_ok=True)


def _make_directories(directory: Path) -> None:
    # Each new directory's entry lives in its parent, which is fsynced, so a
    # crash after put() returns cannot lose the path to the object.
    missing: list[Path] = []
    while not directory.is_dir():
        missing.append(directory)
        directory = directory.parent
    for path in reversed(missing):
        path.mkdir(exist_ok=True)
        _fsync_directory(path.parent)


def _fsync_directory(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
