"""RS256 with the keys from an identity provider's JWKS endpoint."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from cli.process import free_port
from contracts.core import ServiceUnavailable
from kit.auth import (
    AuthFailure,
    AuthSettings,
    Level,
    Principal,
    TokenVerifier,
)
from tests.kit.auth.tokens import (
    Jwks,
    b64,
    refusal,
    segment,
    valid_claims,
)


def test_rs256_round_trip(jwks: Jwks, rs256: TokenVerifier) -> None:
    token = jwks.sign(valid_claims(roles=["regulator"], tenant="region:4403"))
    assert rs256.verify(token) == Principal(
        user_id="u-1", tenant="region:4403", roles=("regulator",), clearance=Level.INTERNAL
    )


def test_rs256_keys_are_fetched_once(jwks: Jwks, rs256: TokenVerifier) -> None:
    before = len(jwks.hits)
    for _ in range(3):
        rs256.verify(jwks.sign(valid_claims()))
    assert len(jwks.hits) - before == 1


def test_rs256_expired(jwks: Jwks, rs256: TokenVerifier) -> None:
    token = jwks.sign(valid_claims(exp=datetime.now(UTC) - timedelta(hours=1)))
    assert refusal(token, rs256) is AuthFailure.TOKEN_EXPIRED


def test_rs256_unknown_key_id(jwks: Jwks, rs256: TokenVerifier) -> None:
    assert refusal(jwks.sign(valid_claims(), kid="key-1999"), rs256) is AuthFailure.TOKEN_INVALID


def test_rs256_token_from_another_key_with_our_key_id(jwks: Jwks, rs256: TokenVerifier) -> None:
    impostor = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = jwt.encode(valid_claims(), impostor, algorithm="RS256", headers={"kid": jwks.kid})
    assert refusal(token, rs256) is AuthFailure.TOKEN_INVALID


def test_rs256_refuses_hs256_signed_with_the_public_key(jwks: Jwks, rs256: TokenVerifier) -> None:
    # The classic key-confusion attack: the public key is public, so an HMAC
    # "signed" with it proves nothing. PyJWT will not even create such a token,
    # so sign it by hand.
    public_pem = jwks.private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    signing_input = (
        f"{segment({'alg': 'HS256', 'kid': jwks.kid})}.{segment(valid_claims(exp=4102444800))}"
    )
    mac = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    assert refusal(f"{signing_input}.{b64(mac)}", rs256) is AuthFailure.TOKEN_INVALID


def test_rs256_unreachable_jwks_is_unavailable_not_invalid(jwks: Jwks) -> None:
    port = free_port()  # nobody listens there
    verifier = TokenVerifier(
        AuthSettings(algorithm="RS256", jwks_url=f"http://127.0.0.1:{port}/jwks.json")
    )
    with pytest.raises(ServiceUnavailable):
        verifier.verify(jwks.sign(valid_claims()))
