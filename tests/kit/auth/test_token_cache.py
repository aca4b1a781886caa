"""Verified tokens are kept until their expiry, bounded, never past `exp`, never for a
refusal, and never once their RS256 key is withdrawn or replaced (kit.token_cache)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from kit.auth import AuthFailure, AuthSettings, Level, Principal, TokenVerifier
from kit.token_cache import VerifiedTokens
from tests.kit.auth.tokens import SETTINGS, issued_token, jwks_endpoint, refusal, valid_claims


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def decodes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every token PyJWT checks in full."""
    seen: list[str] = []
    decode = jwt.decode

    def counting(token: str, *args: Any, **kwargs: Any) -> Any:
        seen.append(token)
        return decode(token, *args, **kwargs)

    monkeypatch.setattr(jwt, "decode", counting)
    return seen


def principal(user: str, expires_at: datetime) -> Principal:
    return Principal(
        user_id=user, tenant="agency:1", roles=("engineer",), clearance=1, expires_at=expires_at
    )


# --- through the verifier ------------------------------------------------------------


def test_a_token_is_checked_once_then_served_until_it_expires(decodes: list[str]) -> None:
    clock = Clock()
    verifier = TokenVerifier(SETTINGS, VerifiedTokens(clock=clock))
    token = issued_token(ttl_seconds=600)
    first = verifier.verify(token)
    assert verifier.verify(token) is first
    assert decodes == [token]
    assert first.expires_at is not None
    clock.now = first.expires_at.timestamp() - 0.001
    assert verifier.verify(token) is first
    assert decodes == [token]
    # At `exp` the cache no longer answers: the full check does (here still within
    # PyJWT's real clock, so it accepts, and the entry is kept again).
    clock.now = first.expires_at.timestamp()
    assert verifier.verify(token) == first
    assert decodes == [token, token]


def test_a_token_past_exp_within_the_leeway_is_checked_in_full_every_time(
    decodes: list[str],
) -> None:
    cache = VerifiedTokens()
    verifier = TokenVerifier(SETTINGS, cache)
    # Expired 10 s ago, tolerated by the 30 s leeway: accepted, but never kept.
    token = issued_token(now=datetime.now(UTC) - timedelta(seconds=70), ttl_seconds=60)
    assert verifier.verify(token).user_id == "u-1"
    assert verifier.verify(token).user_id == "u-1"
    assert decodes == [token, token]
    assert len(cache) == 0


def test_an_expired_token_is_refused_after_it_was_served_from_the_cache() -> None:
    verifier = TokenVerifier(AuthSettings(secret=SETTINGS.secret, leeway_seconds=0))
    token = issued_token(ttl_seconds=1)
    served = verifier.verify(token)
    assert verifier.verify(token) is served
    assert served.expires_at is not None
    time.sleep(max(0.0, served.expires_at.timestamp() - time.time()) + 0.05)
    assert refusal(token, verifier) is AuthFailure.TOKEN_EXPIRED


def test_a_bad_signature_is_never_kept(decodes: list[str]) -> None:
    cache = VerifiedTokens()
    verifier = TokenVerifier(SETTINGS, cache)
    good = issued_token()
    verifier.verify(good)
    head, body, _sig = good.split(".")
    forged = f"{head}.{body}.{jwt.utils.base64url_encode(b'x' * 32).decode()}"
    assert refusal(forged, verifier) is AuthFailure.TOKEN_INVALID
    assert refusal(forged, verifier) is AuthFailure.TOKEN_INVALID
    assert decodes == [good, forged, forged]
    assert len(cache) == 1


def test_a_refused_token_is_never_kept() -> None:
    cache = VerifiedTokens()
    verifier = TokenVerifier(SETTINGS, cache)
    token = issued_token(now=datetime.now(UTC) - timedelta(hours=2), ttl_seconds=3600)
    assert refusal(token, verifier) is AuthFailure.TOKEN_EXPIRED
    assert refusal(token, verifier) is AuthFailure.TOKEN_EXPIRED
    assert len(cache) == 0


# --- the cache alone -------------------------------------------------------------------


def test_the_least_recently_used_token_leaves_first() -> None:
    clock = Clock()
    cache = VerifiedTokens(size=2, clock=clock)
    later = datetime.fromtimestamp(clock.now + 60, UTC)
    a, b, c = (principal(u, later) for u in "abc")
    cache.put("ta", "k", a)
    cache.put("tb", "k", b)
    assert cache.get("ta", "k") is a  # now the most recently used
    cache.put("tc", "k", c)
    assert len(cache) == 2
    assert (cache.get("ta", "k"), cache.get("tb", "k"), cache.get("tc", "k")) == (a, None, c)


def test_an_entry_is_served_only_with_the_key_it_was_verified_with() -> None:
    cache = VerifiedTokens()
    key = object()
    p = principal("a", datetime.now(UTC) + timedelta(minutes=5))
    cache.put("t", key, p)
    assert cache.get("t", object()) is None
    assert len(cache) == 0  # dropped: the next check in full keeps it with the new key


def test_an_entry_is_dropped_at_its_expiry() -> None:
    clock = Clock()
    cache = VerifiedTokens(clock=clock)
    p = principal("a", datetime.fromtimestamp(clock.now + 10, UTC))
    cache.put("t", "k", p)
    # The expiry as the cache reads it (a datetime: whole microseconds), so that float
    # sums of the clock cannot land a hair before it.
    assert p.expires_at is not None
    expiry = p.expires_at.timestamp()
    clock.now = expiry - 0.001
    assert cache.get("t", "k") is p
    clock.now = expiry
    assert cache.get("t", "k") is None
    assert len(cache) == 0


def test_a_cache_holds_at_least_one_token() -> None:
    with pytest.raises(ValueError, match="at least one"):
        VerifiedTokens(size=0)


# --- RS256: a withdrawn or replaced key --------------------------------------------------


class RotatingJwks:
    """A JWKS endpoint whose keys the test replaces."""

    def __init__(self) -> None:
        self.keys: dict[str, rsa.RSAPrivateKey] = {}
        self.url = ""

    def publish(self, kid: str) -> rsa.RSAPrivateKey:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.keys = {kid: key}
        return key

    def body(self) -> bytes:
        keys = [
            {
                **jwt.algorithms.RSAAlgorithm.to_jwk(k.public_key(), as_dict=True),
                "kid": kid,
                "use": "sig",
                "alg": "RS256",
            }
            for kid, k in self.keys.items()
        ]
        return json.dumps({"keys": keys}).encode()


@pytest.fixture
def rotating(monkeypatch: pytest.MonkeyPatch) -> Iterator[RotatingJwks]:
    # urllib honours proxy variables; a local endpoint must be reached directly.
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    jwks = RotatingJwks()
    with jwks_endpoint(jwks.body, []) as url:
        jwks.url = url
        yield jwks


def key_set_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    """Move PyJWT's key-set cache past its 5-minute lifespan, so the next verification
    fetches the provider's keys again."""
    later = time.monotonic() + 301
    monkeypatch.setattr("jwt.jwk_set_cache.time", SimpleNamespace(monotonic=lambda: later))


def sign(key: rsa.RSAPrivateKey, kid: str) -> str:
    return jwt.encode(valid_claims(), key, algorithm="RS256", headers={"kid": kid})


def test_a_withdrawn_key_refuses_its_cached_tokens(
    rotating: RotatingJwks, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = rotating.publish("key-1")
    verifier = TokenVerifier(AuthSettings(algorithm="RS256", jwks_url=rotating.url))
    token = sign(old, "key-1")
    assert verifier.verify(token).clearance == Level.INTERNAL
    assert verifier.verify(token).user_id == "u-1"  # from the cache
    rotating.publish("key-2")
    key_set_expires(monkeypatch)
    assert refusal(token, verifier) is AuthFailure.TOKEN_INVALID


def test_a_key_replaced_under_the_same_id_refuses_its_cached_tokens(
    rotating: RotatingJwks, monkeypatch: pytest.MonkeyPatch, decodes: list[str]
) -> None:
    old = rotating.publish("key-1")
    verifier = TokenVerifier(AuthSettings(algorithm="RS256", jwks_url=rotating.url))
    token = sign(old, "key-1")
    verifier.verify(token)
    verifier.verify(token)
    assert decodes == [token]
    new = rotating.publish("key-1")
    key_set_expires(monkeypatch)
    assert refusal(token, verifier) is AuthFailure.TOKEN_INVALID
    assert verifier.verify(sign(new, "key-1")).user_id == "u-1"
