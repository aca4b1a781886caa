"""AWS Signature Version 4 query presigning with signed request headers.

The minio SDK presigns with only `host` signed, so whoever holds the URL may send any
body, any Content-Type and no precondition. Here the caller names headers that become
part of the signature: S3 then refuses a request that does not send exactly those
values (SignatureDoesNotMatch). The archive signs Content-Type, Content-Length and
`If-None-Match: *`, which makes an upload URL write-once for one declared file.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import datetime
from urllib.parse import quote, urlsplit, urlunsplit

ALGORITHM = "AWS4-HMAC-SHA256"
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"


def _encode(value: str) -> str:
    return quote(value, safe="-_.~")


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode(), hashlib.sha256).digest()


def presign(
    method: str,
    url: str,
    *,
    headers: Mapping[str, str],
    access_key: str,
    secret_key: str,
    region: str,
    expires: int,
    now: datetime,
    service: str = "s3",
) -> str:
    """`url` (scheme, host and the object's path, already encoded; no query) with a
    SigV4 query signature covering `host` and every header in `headers`."""
    parts = urlsplit(url)
    if parts.query:
        raise ValueError("presign a URL without a query")
    amz_date = now.strftime("%Y%m%dT%H%M%SZ")
    scope = f"{now:%Y%m%d}/{region}/{service}/aws4_request"
    signed = {name.lower(): " ".join(value.split()) for name, value in headers.items()}
    signed["host"] = parts.netloc
    names = sorted(signed)
    query = {
        "X-Amz-Algorithm": ALGORITHM,
        "X-Amz-Credential": f"{access_key}/{scope}",
        "X-Amz-Date": amz_date,
        "X-Amz-Expires": str(expires),
        "X-Amz-SignedHeaders": ";".join(names),
    }
    canonical_query = "&".join(f"{_encode(k)}={_encode(v)}" for k, v in sorted(query.items()))
    canonical_request = "\n".join(
        [
            method.upper(),
            parts.path or "/",
            canonical_query,
            "".join(f"{name}:{signed[name]}\n" for name in names),
            ";".join(names),
            UNSIGNED_PAYLOAD,
        ]
    )
    string_to_sign = "\n".join(
        [ALGORITHM, amz_date, scope, hashlib.sha256(canonical_request.encode()).hexdigest()]
    )
    key = _hmac(("AWS4" + secret_key).encode(), f"{now:%Y%m%d}")
    for part in (region, service, "aws4_request"):
        key = _hmac(key, part)
    signature = hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()
    return urlunsplit(
        (
            parts.scheme,
            parts.netloc,
            parts.path,
            f"{canonical_query}&X-Amz-Signature={signature}",
            "",
        )
    )
