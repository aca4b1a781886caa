"""`jwks`: a real JWKS endpoint on 127.0.0.1, and `rs256`: a verifier that reads it."""

from __future__ import annotations

import json
from collections.abc import Iterator

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from kit.auth import AuthSettings, TokenVerifier
from tests.kit.auth.tokens import Jwks, jwks_endpoint


@pytest.fixture(scope="module")
def jwks() -> Iterator[Jwks]:
    """A real JWKS endpoint on 127.0.0.1, like an identity provider's."""
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_jwk = jwt.algorithms.RSAAlgorithm.to_jwk(private_key.public_key(), as_dict=True)
    body = json.dumps(
        {"keys": [{**public_jwk, "kid": "key-2025", "use": "sig", "alg": "RS256"}]}
    ).encode()
    hits: list[str] = []
    with jwks_endpoint(lambda: body, hits) as url:
        yield Jwks(url=url, kid="key-2025", private_key=private_key, hits=hits)


@pytest.fixture
def rs256(jwks: Jwks, monkeypatch: pytest.MonkeyPatch) -> TokenVerifier:
    # urllib honours proxy variables; a local endpoint must be reached directly.
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    return TokenVerifier(AuthSettings(algorithm="RS256", jwks_url=jwks.url))
