"""The token's clearance claim is capped by the highest clearance its roles allow, and
the verified expiry travels on the principal (issue 11, items 4 and 6)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import structlog.testing
from pydantic import SecretStr

from kit.auth import ANONYMOUS, AuthSettings, Level, TokenVerifier, issue_token
from tests.kit.auth.tokens import AGENCY, SECRET, VERIFIER, issued_token


def test_client_viewer_claiming_top_secret_reads_as_its_role_cap_internal() -> None:
    token = issued_token(
        roles=["client_viewer"], tenant="unit:0190a3c2", clearance=Level.TOP_SECRET
    )
    with structlog.testing.capture_logs() as logged:
        principal = VERIFIER.verify(token)
    assert principal.clearance == Level.INTERNAL
    [warning] = [e for e in logged if e["event"] == "auth.clearance_above_role_cap"]
    assert warning["log_level"] == "warning"
    assert (warning["claimed"], warning["granted"], warning["roles"]) == (3, 1, ["client_viewer"])


def test_a_clearance_below_the_cap_is_kept_and_not_logged() -> None:
    with structlog.testing.capture_logs() as logged:
        principal = VERIFIER.verify(issued_token(roles=["agency_admin"], clearance=Level.INTERNAL))
    assert principal.clearance == Level.INTERNAL
    assert logged == []


def test_the_cap_is_the_highest_of_the_token_roles() -> None:
    token = issued_token(roles=["client_viewer", "engineer"], clearance=Level.TOP_SECRET)
    assert VERIFIER.verify(token).clearance == Level.INTERNAL


def test_role_caps_are_configurable_per_role() -> None:
    settings = AuthSettings(
        secret=SecretStr(SECRET), role_clearance={"client_viewer": Level.SECRET}
    )
    token = issue_token(
        settings, user_id="u-1", tenant=AGENCY, roles=["client_viewer"], clearance=3
    )
    assert TokenVerifier(settings).verify(token).clearance == Level.SECRET
    # Roles not named keep the built-in cap; no claim means the cap.
    assert (
        TokenVerifier(settings).verify(issued_token(roles=["engineer"])).clearance == Level.INTERNAL
    )
    assert settings.clearance_cap(["client_viewer"]) == Level.SECRET


def test_role_caps_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from gateway.settings import GatewaySettings

    monkeypatch.setenv("ECOHOST_GATEWAY_AUTH__ROLE_CLEARANCE", '{"expert": 2}')
    assert GatewaySettings().auth.clearance_cap(["expert"]) == Level.SECRET


def test_principal_carries_the_verified_expiry() -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    principal = VERIFIER.verify(issued_token(now=now, ttl_seconds=600))
    assert principal.expires_at == now + timedelta(seconds=600)
    assert ANONYMOUS.expires_at is None


def test_a_token_stating_no_clearance_gets_its_roles_default_not_the_cap() -> None:
    # A viewer may be granted INTERNAL by its issuer, but does not get it by default.
    assert VERIFIER.verify(issued_token(roles=["client_viewer"])).clearance == Level.PUBLIC
    lowered = AuthSettings(secret=SecretStr(SECRET), role_clearance={"agency_admin": Level.SECRET})
    token = issue_token(lowered, user_id="u-1", tenant=AGENCY, roles=["agency_admin"])
    assert TokenVerifier(lowered).verify(token).clearance == Level.SECRET
