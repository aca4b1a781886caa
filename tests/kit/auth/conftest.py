"""`jwks`: a real JWKS endpoint on 127.0.0.1, and `rs256`: a verifier that reads it."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from kit.auth import AuthSettings, TokenVerifier
from tests.kit.auth.tokens import Jwks


@pytest.fixture(scope="module")
def jwks() -> Iterator[Jwks]:
    """A real JWKS endpoint on 127.0.0.1, like an identity provider's."""
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_jwk = jwt.algorithms.RSAAlgorithm.to_jwk(private_key.public_key(), as_dict=True)
    body = json.dumps(
        {"keys": [{**public_jwk, "kid": "key-2025", "use": "sig", "alg": "RS256"}]}
    ).encode()
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            if self.path != "/.well-known/jwks.json":
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep test output clean

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        url = f"http://{host!s}:{port}/.well-known/jwks.json"
        yield Jwks(url=url, kid="key-2025", private_key=private_key, hits=hits)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def rs256(jwks: Jwks, monkeypatch: pytest.MonkeyPatch) -> TokenVerifier:
    # urllib honours proxy variables; a local endpoint must be reached directly.
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    return TokenVerifier(AuthSettings(algorithm="RS256", jwks_url=jwks.url))
