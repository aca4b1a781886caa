"""The local object store's signed URLs over HTTP (`make run`, embedded default).

`LocalStore.presign_put/presign_get` issue `<public_base_url>/<key>?expires=…&sig=…`; this
route checks the HMAC signature and the expiry, then streams the body to or from disk a
chunk at a time — a file is never held in memory whole.

Uploads are write-once: the signature covers the declared Content-Type and
Content-Length (a PUT sending others is refused, 403), and a PUT onto a key that holds
an object is refused (412), so a filed deliverable cannot be replaced through its URL.
Downloads name the version that was filed (404 for any other) and come as attachments
with `X-Content-Type-Options: nosniff` and a CSP that lets nothing run.

Authorization happened when the archive service issued the URL; the signature is the
capability. With the S3 backend the URLs point at S3 itself and this route answers 404.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Self

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from kit.settings import Environment, environment_field, require_production_secret
from kit.storage import ObjectNotFound
from kit.storage.base import DOWNLOAD_SECURITY_HEADERS, ObjectExists, attachment_disposition
from kit.storage.factory import DEV_SIGNING_KEY, StorageSettings
from kit.storage.local import LocalStore

DEFAULT_MAX_PUT = 2 * 1024**3


class FileRouteSettings(StorageSettings):
    """The archive's storage settings, read from the same variables the archive reads."""

    model_config = SettingsConfigDict(
        env_prefix="ECOHOST_ARCHIVE_STORAGE_",
        extra="ignore",
        populate_by_name=True,
        hide_input_in_errors=True,
    )

    environment: Environment = environment_field()
    max_put_bytes: int = Field(
        default=DEFAULT_MAX_PUT,
        gt=0,
        validation_alias="ECOHOST_ARCHIVE_UPLOAD_MAX_BYTES",
        description="Same variable as the archive's upload limit: a PUT is cut off beyond it.",
    )

    @model_validator(mode="after")
    def _no_development_signing_key_in_production(self) -> Self:
        # The gateway verifies what the archive signed: the same key, the same rule.
        if self.backend == "local":
            require_production_secret(
                self.environment,
                "ECOHOST_ARCHIVE_STORAGE_SIGNING_KEY",
                self.signing_key,
                DEV_SIGNING_KEY,
            )
        return self


class _TooLarge(Exception):
    pass


def files_router(settings: FileRouteSettings | None = None) -> APIRouter:
    settings = settings or FileRouteSettings()
    router = APIRouter(prefix="/files", include_in_schema=False)
    if settings.backend != "local":
        return router  # S3 serves its own presigned URLs
    store = LocalStore(
        settings.local_root,
        signing_key=settings.signing_key.get_secret_value().encode(),
        base_url=settings.public_base_url,
    )
    limit = settings.max_put_bytes

    def check(method: str, key: str, request: Request, bound: tuple[str, ...]) -> None:
        try:
            expires = int(request.query_params.get("expires", ""))
        except ValueError:
            raise HTTPException(403, "invalid or expired link") from None
        sig = request.query_params.get("sig", "")
        if not store.verify_signature(method, key, expires, sig, bound):
            raise HTTPException(403, "invalid or expired link")

    @router.get("/{key:path}")
    async def download(key: str, request: Request) -> Response:
        version = request.query_params.get("v", "")
        name = request.query_params.get("name", "")
        check("GET", key, request, (version, name))
        try:
            stored = await store.stat(key, version_id=version or None)
            chunks = await store.get_stream(key, version_id=stored.version_id)
        except ObjectNotFound:
            raise HTTPException(404, "not found") from None
        headers = {
            **DOWNLOAD_SECURITY_HEADERS,
            "Content-Length": str(stored.size),
            "Content-Disposition": attachment_disposition(name or None),
            "X-Content-SHA256": stored.sha256 or "",
        }
        return StreamingResponse(chunks, media_type=stored.content_type, headers=headers)

    @router.put("/{key:path}")
    async def upload(key: str, request: Request) -> Response:
        declared = request.headers.get("content-length", "")
        content_type = request.headers.get("content-type", "")
        # The URL signs the declared type and size: other ones are refused here, unread.
        check("PUT", key, request, (content_type, declared))
        length = int(declared) if declared.isdigit() else None
        if length is not None and length > limit:
            raise HTTPException(413, "too large")

        async def body() -> AsyncIterator[bytes]:
            seen = 0
            async for chunk in request.stream():
                seen += len(chunk)
                if seen > limit:
                    raise _TooLarge
                yield chunk

        try:
            stored = await store.put(
                key, body(), length=length, content_type=content_type, if_absent=True
            )
        except ObjectExists:
            raise HTTPException(
                412, "an object is already stored here; uploads are write-once"
            ) from None
        except _TooLarge:
            raise HTTPException(413, "too large") from None
        except ValueError:  # the body ended before Content-Length said it would
            raise HTTPException(400, "body shorter or longer than Content-Length") from None
        return Response(status_code=200, headers={"ETag": f'"{stored.etag}"'})

    return router
