"""What verification refuses, and why: expiry, signature, audience, claims, headers."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from pydantic import SecretStr

from contracts.core import NotAuthorized
from kit.auth import (
    ANONYMOUS,
    AuthError,
    AuthFailure,
    AuthSettings,
    TokenVerifier,
    issue_token,
)
from tests.kit.auth.tokens import (
    AGENCY,
    SECRET,
    VERIFIER,
    issued_token,
    refusal,
    segment,
    valid_claims,
)

# --- expiry --------------------------------------------------------------------


def test_expired_token() -> None:
    token = issued_token(now=datetime.now(UTC) - timedelta(hours=2), ttl_seconds=3600)
    assert refusal(token) is AuthFailure.TOKEN_EXPIRED


def test_expiry_within_leeway_is_tolerated() -> None:
    # Expired 10 s ago; clocks of issuer and gateway may disagree by 30 s.
    token = issued_token(now=datetime.now(UTC) - timedelta(seconds=70), ttl_seconds=60)
    assert VERIFIER.verify(token).user_id == "u-1"


# --- invalid tokens --------------------------------------------------------------


def test_wrong_audience() -> None:
    other = AuthSettings(secret=SecretStr(SECRET), audience="someone-else")
    token = issue_token(other, user_id="u-1", tenant=AGENCY, roles=["engineer"])
    assert refusal(token) is AuthFailure.TOKEN_INVALID


def test_issuer_checked_when_configured() -> None:
    strict = TokenVerifier(AuthSettings(secret=SecretStr(SECRET), issuer="https://idp.example"))
    good = issue_token(
        AuthSettings(secret=SecretStr(SECRET), issuer="https://idp.example"),
        user_id="u-1",
        tenant=AGENCY,
        roles=[],
    )
    assert strict.verify(good).user_id == "u-1"
    assert refusal(issued_token(), strict) is AuthFailure.TOKEN_INVALID  # no iss at all
    wrong = issue_token(
        AuthSettings(secret=SecretStr(SECRET), issuer="https://evil.example"),
        user_id="u-1",
        tenant=AGENCY,
        roles=[],
    )
    assert refusal(wrong, strict) is AuthFailure.TOKEN_INVALID


def test_wrong_secret() -> None:
    other = AuthSettings(secret=SecretStr("another-secret-that-is-long-enough-too"))
    token = issue_token(other, user_id="u-1", tenant=AGENCY, roles=["agency_admin"])
    assert refusal(token) is AuthFailure.TOKEN_INVALID


def test_tampered_payload() -> None:
    header, payload, signature = issued_token(roles=["client_viewer"]).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["roles"] = ["agency_admin"]
    assert refusal(f"{header}.{segment(claims)}.{signature}") is AuthFailure.TOKEN_INVALID


@pytest.mark.parametrize("alg", ["none", "None", "NONE"])
def test_unsigned_token(alg: str) -> None:
    token = f"{segment({'alg': alg, 'typ': 'JWT'})}.{segment(valid_claims(exp=4102444800))}."
    assert refusal(token) is AuthFailure.TOKEN_INVALID


@pytest.mark.parametrize("missing", ["sub", "tenant", "roles", "exp", "aud"])
def test_missing_claim(missing: str) -> None:
    token = jwt.encode(valid_claims(**{missing: None}), SECRET, algorithm="HS256")
    assert refusal(token) is AuthFailure.TOKEN_INVALID


@pytest.mark.parametrize(
    "tenant",
    [
        "",
        "agency:",
        "agency",
        "agency:not-hex!",
        "AGENCY:abc",
        "company:abc",
        "agency:abc\n",
        "agency:abc:def",
        "agency:" + "a" * 65,
        "region:4",
        "region:440",
        "region:4403051",
        "region:4a",
        "region:*",
        "agency:*",
        42,
    ],
)
def test_bad_tenant(tenant: object) -> None:
    token = jwt.encode(valid_claims(tenant=tenant), SECRET, algorithm="HS256")
    assert refusal(token) is AuthFailure.TOKEN_INVALID


def _claims_id(claims: dict[str, Any]) -> str:
    """The test's id: the same in every pytest-xdist worker's collection (xdist refuses
    to run otherwise), so not the time the module was imported."""
    return "{'nbf': an hour from now}" if "nbf" in claims else repr(claims)


@pytest.mark.parametrize(
    "claims",
    [
        {"roles": "engineer"},
        {"roles": [1]},
        {"roles": ["Engineer"]},
        {"roles": ["engineer, agency_admin"]},
        {"sub": ""},
        {"sub": 42},
        {"clearance": 4},
        {"clearance": -1},
        {"clearance": "3"},
        {"clearance": True},
        {"nbf": datetime.now(UTC) + timedelta(hours=1)},
    ],
    ids=_claims_id,
)
def test_malformed_claims(claims: dict[str, Any]) -> None:
    token = jwt.encode(valid_claims(**claims), SECRET, algorithm="HS256")
    assert refusal(token) is AuthFailure.TOKEN_INVALID


@pytest.mark.parametrize("token", ["", "abc", "a.b.c", "a.b", issued_token() + "x"])
def test_garbage(token: str) -> None:
    assert refusal(token) is AuthFailure.TOKEN_INVALID


def test_pyjwt_messages_do_not_leak() -> None:
    other = AuthSettings(secret=SecretStr(SECRET), audience="someone-else")
    token = issue_token(other, user_id="u-1", tenant=AGENCY, roles=["engineer"])
    with pytest.raises(AuthError) as caught:
        VERIFIER.verify(token)
    assert caught.value.message == "The access token is invalid."
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__


def test_auth_error_is_a_not_authorized_domain_error() -> None:
    error = AuthError(AuthFailure.TOKEN_EXPIRED)
    assert isinstance(error, NotAuthorized)
    assert error.to_dict()["code"] == "not_authorized"
    assert error.to_dict()["details"] == {"reason": "token_expired"}


# --- the Authorization header ----------------------------------------------------


@pytest.mark.parametrize("header", [None, "", "   "])
def test_no_header_is_anonymous(header: str | None) -> None:
    assert VERIFIER.principal_from_header(header) is ANONYMOUS


@pytest.mark.parametrize("template", ["Bearer {}", "bearer {}", "BEARER   {}  ", " \tBearer\t{} "])
def test_bearer_scheme(template: str) -> None:
    header = template.format(issued_token())
    assert VERIFIER.principal_from_header(header).user_id == "u-1"


@pytest.mark.parametrize(
    "template", ["{}", "Basic {}", "Bearer", "Bearer {} extra", "Bearer: {}", "Token {}"]
)
def test_malformed_header(template: str) -> None:
    with pytest.raises(AuthError) as caught:
        VERIFIER.principal_from_header(template.format(issued_token()))
    assert caught.value.reason is AuthFailure.TOKEN_INVALID


def test_invalid_token_in_header() -> None:
    with pytest.raises(AuthError) as caught:
        VERIFIER.principal_from_header("Bearer not-a-token")
    assert caught.value.reason is AuthFailure.TOKEN_INVALID


def test_expired_token_in_header() -> None:
    token = issued_token(now=datetime.now(UTC) - timedelta(days=1))
    with pytest.raises(AuthError) as caught:
        VERIFIER.principal_from_header(f"Bearer {token}")
    assert caught.value.reason is AuthFailure.TOKEN_EXPIRED
