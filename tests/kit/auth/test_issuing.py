"""Auth settings and issuing: a production secret, the JWKS requirement, and a token
that carries what verification asks for."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import jwt
import pytest
from pydantic import SecretStr, ValidationError

from kit.auth import (
    AuthSettings,
    TokenVerifier,
    issue_token,
)
from tests.kit.auth.tokens import (
    AGENCY,
    SECRET,
    issued_token,
)

# --- settings and issuing ----------------------------------------------------------


def test_short_hs256_secret_is_refused() -> None:
    with pytest.raises(ValidationError, match="32 bytes"):
        AuthSettings(secret=SecretStr("too-short"))


def test_default_settings_work_for_development() -> None:
    settings = AuthSettings()
    token = issue_token(settings, user_id="dev", tenant="region:44", roles=["regulator"])
    assert TokenVerifier(settings).verify(token).tenant == "region:44"


def test_rs256_needs_a_jwks_url() -> None:
    with pytest.raises(ValidationError, match="jwks_url"):
        AuthSettings(algorithm="RS256")


def test_issue_token_refuses_rs256() -> None:
    settings = AuthSettings(algorithm="RS256", jwks_url="http://127.0.0.1:9/jwks.json")
    with pytest.raises(ValueError, match="HS256"):
        issue_token(settings, user_id="u-1", tenant=AGENCY, roles=[])


@pytest.mark.parametrize(
    "overrides",
    [
        {"tenant": "agency:"},
        {"roles": ["Not A Role"]},
        {"user_id": ""},
        {"clearance": 9},
        {"now": datetime(2030, 1, 1)},  # naive on purpose
    ],
    ids=repr,
)
def test_issue_token_refuses_what_verify_would_refuse(overrides: dict[str, Any]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - the message varies by field
        issued_token(**overrides)


def test_issued_token_carries_standard_claims() -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    claims = jwt.decode(
        issued_token(now=now, ttl_seconds=600), SECRET, algorithms=["HS256"], audience="ecohost"
    )
    assert claims["iat"] == int(now.timestamp())
    assert claims["exp"] == int(now.timestamp()) + 600
    assert len(claims["jti"]) == 32
    assert "iss" not in claims
    assert "clearance" not in claims
