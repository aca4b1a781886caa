"""Tokens for the kit.auth tests: issued with the test secret, or signed by hand to
break one rule; and the JWKS endpoint's keys."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from pydantic import SecretStr

from kit.auth import AuthError, AuthFailure, AuthSettings, TokenVerifier, issue_token

SECRET = "test-secret-that-is-long-enough-for-hs256"
SETTINGS = AuthSettings(secret=SecretStr(SECRET))
VERIFIER = TokenVerifier(SETTINGS)
AGENCY_ID = "0190a3c2-7b1e-7c3d-8e4f-0123456789ab"
AGENCY = f"agency:{AGENCY_ID}"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def segment(obj: dict[str, Any]) -> str:
    return b64(json.dumps(obj).encode())


def issued_token(**overrides: Any) -> str:
    kwargs: dict[str, Any] = {"user_id": "u-1", "tenant": AGENCY, "roles": ["engineer"]}
    kwargs.update(overrides)
    return issue_token(SETTINGS, **kwargs)


def valid_claims(**overrides: Any) -> dict[str, Any]:
    """Claims of a valid token, for tests that sign by hand to break one rule."""
    claims: dict[str, Any] = {
        "sub": "u-1",
        "tenant": AGENCY,
        "roles": ["engineer"],
        "aud": "ecohost",
        "exp": datetime.now(UTC) + timedelta(minutes=5),
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def refusal(token: str, verifier: TokenVerifier = VERIFIER) -> AuthFailure:
    with pytest.raises(AuthError) as caught:
        verifier.verify(token)
    return caught.value.reason


@dataclass
class Jwks:
    url: str
    kid: str
    private_key: rsa.RSAPrivateKey
    hits: list[str] = field(default_factory=list)

    def sign(self, claims: dict[str, Any], *, kid: str | None = None) -> str:
        return jwt.encode(
            claims, self.private_key, algorithm="RS256", headers={"kid": kid or self.kid}
        )


@contextmanager
def jwks_endpoint(body: Callable[[], bytes], hits: list[str]) -> Iterator[str]:
    """A JWKS endpoint on 127.0.0.1 serving `body()` at its URL (yielded); every path
    asked for is added to `hits`."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            if self.path != "/.well-known/jwks.json":
                self.send_error(404)
                return
            served = body()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(served)))
            self.end_headers()
            self.wfile.write(served)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep test output clean

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield f"http://{host!s}:{port}/.well-known/jwks.json"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
