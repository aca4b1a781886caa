"""Tokens in, principals out: kit.auth against real HS256 and RS256/JWKS tokens."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
import structlog
import structlog.testing
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pydantic import SecretStr, ValidationError

from contracts.core import NotAuthorized, ServiceUnavailable
from kit.auth import (
    ANONYMOUS,
    ROLES,
    AuthError,
    AuthFailure,
    AuthSettings,
    Level,
    Principal,
    TokenVerifier,
    issue_token,
)

SECRET = "test-secret-that-is-long-enough-for-hs256"
SETTINGS = AuthSettings(secret=SecretStr(SECRET))
VERIFIER = TokenVerifier(SETTINGS)
AGENCY_ID = "0190a3c2-7b1e-7c3d-8e4f-0123456789ab"
AGENCY = f"agency:{AGENCY_ID}"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _segment(obj: dict[str, Any]) -> str:
    return _b64(json.dumps(obj).encode())


def _token(**overrides: Any) -> str:
    kwargs: dict[str, Any] = {"user_id": "u-1", "tenant": AGENCY, "roles": ["engineer"]}
    kwargs.update(overrides)
    return issue_token(SETTINGS, **kwargs)


def _claims(**overrides: Any) -> dict[str, Any]:
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


def _reason(token: str, verifier: TokenVerifier = VERIFIER) -> AuthFailure:
    with pytest.raises(AuthError) as caught:
        verifier.verify(token)
    return caught.value.reason


# --- round trip and claims -----------------------------------------------------


def test_issued_token_verifies_to_its_principal() -> None:
    token = _token(roles=["project_manager"], clearance=Level.SECRET)
    assert VERIFIER.verify(token) == Principal(
        user_id="u-1", tenant=AGENCY, roles=("project_manager",), clearance=Level.SECRET
    )


@pytest.mark.parametrize(
    ("roles", "expected"),
    [
        (["client_viewer"], Level.PUBLIC),
        (["engineer"], Level.INTERNAL),
        (["engineer", "client_admin"], Level.SECRET),
        (["agency_admin"], Level.TOP_SECRET),
        (["archive_keeper"], Level.TOP_SECRET),
        (["some_future_role"], Level.PUBLIC),
        ([], Level.PUBLIC),
    ],
)
def test_clearance_defaults_to_the_highest_of_the_roles(roles: list[str], expected: Level) -> None:
    assert VERIFIER.verify(_token(roles=roles)).clearance == expected


def test_explicit_clearance_zero_is_not_replaced_by_the_role_default() -> None:
    assert VERIFIER.verify(_token(roles=["agency_admin"], clearance=0)).clearance == Level.PUBLIC


def test_roles_keep_order_and_lose_duplicates() -> None:
    principal = VERIFIER.verify(_token(roles=["expert", "engineer", "expert"]))
    assert principal.roles == ("expert", "engineer")


def test_tenant_is_stored_in_lower_case() -> None:
    assert VERIFIER.verify(_token(tenant=f"agency:{AGENCY_ID.upper()}")).tenant == AGENCY


def test_every_known_role_is_accepted() -> None:
    assert VERIFIER.verify(_token(roles=list(ROLES))).roles == ROLES


@pytest.mark.parametrize(
    ("tenant", "kind", "tenant_id"),
    [
        (AGENCY, "agency", AGENCY_ID),
        ("unit:abc-123", "unit", "abc-123"),
        ("region:44", "region", "44"),
        ("region:440305", "region", "440305"),
    ],
)
def test_tenant_kind_and_id(tenant: str, kind: str, tenant_id: str) -> None:
    principal = VERIFIER.verify(_token(tenant=tenant))
    assert (principal.tenant_kind, principal.tenant_id) == (kind, tenant_id)
    assert not principal.is_anonymous


def test_anonymous() -> None:
    assert ANONYMOUS.is_anonymous
    assert (ANONYMOUS.tenant_kind, ANONYMOUS.tenant_id) == (None, "")
    assert (ANONYMOUS.roles, ANONYMOUS.clearance) == ((), Level.PUBLIC)


# --- expiry --------------------------------------------------------------------


def test_expired_token() -> None:
    token = _token(now=datetime.now(UTC) - timedelta(hours=2), ttl_seconds=3600)
    assert _reason(token) is AuthFailure.TOKEN_EXPIRED


def test_expiry_within_leeway_is_tolerated() -> None:
    # Expired 10 s ago; clocks of issuer and gateway may disagree by 30 s.
    token = _token(now=datetime.now(UTC) - timedelta(seconds=70), ttl_seconds=60)
    assert VERIFIER.verify(token).user_id == "u-1"


# --- invalid tokens --------------------------------------------------------------


def test_wrong_audience() -> None:
    other = AuthSettings(secret=SecretStr(SECRET), audience="someone-else")
    token = issue_token(other, user_id="u-1", tenant=AGENCY, roles=["engineer"])
    assert _reason(token) is AuthFailure.TOKEN_INVALID


def test_issuer_checked_when_configured() -> None:
    strict = TokenVerifier(AuthSettings(secret=SecretStr(SECRET), issuer="https://idp.example"))
    good = issue_token(
        AuthSettings(secret=SecretStr(SECRET), issuer="https://idp.example"),
        user_id="u-1",
        tenant=AGENCY,
        roles=[],
    )
    assert strict.verify(good).user_id == "u-1"
    assert _reason(_token(), strict) is AuthFailure.TOKEN_INVALID  # no iss at all
    wrong = issue_token(
        AuthSettings(secret=SecretStr(SECRET), issuer="https://evil.example"),
        user_id="u-1",
        tenant=AGENCY,
        roles=[],
    )
    assert _reason(wrong, strict) is AuthFailure.TOKEN_INVALID


def test_wrong_secret() -> None:
    other = AuthSettings(secret=SecretStr("another-secret-that-is-long-enough-too"))
    token = issue_token(other, user_id="u-1", tenant=AGENCY, roles=["agency_admin"])
    assert _reason(token) is AuthFailure.TOKEN_INVALID


def test_tampered_payload() -> None:
    header, payload, signature = _token(roles=["client_viewer"]).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["roles"] = ["agency_admin"]
    assert _reason(f"{header}.{_segment(claims)}.{signature}") is AuthFailure.TOKEN_INVALID


@pytest.mark.parametrize("alg", ["none", "None", "NONE"])
def test_unsigned_token(alg: str) -> None:
    token = f"{_segment({'alg': alg, 'typ': 'JWT'})}.{_segment(_claims(exp=4102444800))}."
    assert _reason(token) is AuthFailure.TOKEN_INVALID


@pytest.mark.parametrize("missing", ["sub", "tenant", "roles", "exp", "aud"])
def test_missing_claim(missing: str) -> None:
    token = jwt.encode(_claims(**{missing: None}), SECRET, algorithm="HS256")
    assert _reason(token) is AuthFailure.TOKEN_INVALID


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
    token = jwt.encode(_claims(tenant=tenant), SECRET, algorithm="HS256")
    assert _reason(token) is AuthFailure.TOKEN_INVALID


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
    ids=repr,
)
def test_malformed_claims(claims: dict[str, Any]) -> None:
    token = jwt.encode(_claims(**claims), SECRET, algorithm="HS256")
    assert _reason(token) is AuthFailure.TOKEN_INVALID


@pytest.mark.parametrize("token", ["", "abc", "a.b.c", "a.b", _token() + "x"])
def test_garbage(token: str) -> None:
    assert _reason(token) is AuthFailure.TOKEN_INVALID


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
    header = template.format(_token())
    assert VERIFIER.principal_from_header(header).user_id == "u-1"


@pytest.mark.parametrize(
    "template", ["{}", "Basic {}", "Bearer", "Bearer {} extra", "Bearer: {}", "Token {}"]
)
def test_malformed_header(template: str) -> None:
    with pytest.raises(AuthError) as caught:
        VERIFIER.principal_from_header(template.format(_token()))
    assert caught.value.reason is AuthFailure.TOKEN_INVALID


def test_invalid_token_in_header() -> None:
    with pytest.raises(AuthError) as caught:
        VERIFIER.principal_from_header("Bearer not-a-token")
    assert caught.value.reason is AuthFailure.TOKEN_INVALID


def test_expired_token_in_header() -> None:
    token = _token(now=datetime.now(UTC) - timedelta(days=1))
    with pytest.raises(AuthError) as caught:
        VERIFIER.principal_from_header(f"Bearer {token}")
    assert caught.value.reason is AuthFailure.TOKEN_EXPIRED


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
        _token(**overrides)


def test_issued_token_carries_standard_claims() -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    claims = jwt.decode(
        _token(now=now, ttl_seconds=600), SECRET, algorithms=["HS256"], audience="ecohost"
    )
    assert claims["iat"] == int(now.timestamp())
    assert claims["exp"] == int(now.timestamp()) + 600
    assert len(claims["jti"]) == 32
    assert "iss" not in claims
    assert "clearance" not in claims


# --- RS256 with keys from a JWKS endpoint --------------------------------------------


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


def test_rs256_round_trip(jwks: Jwks, rs256: TokenVerifier) -> None:
    token = jwks.sign(_claims(roles=["regulator"], tenant="region:4403"))
    assert rs256.verify(token) == Principal(
        user_id="u-1", tenant="region:4403", roles=("regulator",), clearance=Level.INTERNAL
    )


def test_rs256_keys_are_fetched_once(jwks: Jwks, rs256: TokenVerifier) -> None:
    before = len(jwks.hits)
    for _ in range(3):
        rs256.verify(jwks.sign(_claims()))
    assert len(jwks.hits) - before == 1


def test_rs256_expired(jwks: Jwks, rs256: TokenVerifier) -> None:
    token = jwks.sign(_claims(exp=datetime.now(UTC) - timedelta(hours=1)))
    assert _reason(token, rs256) is AuthFailure.TOKEN_EXPIRED


def test_rs256_unknown_key_id(jwks: Jwks, rs256: TokenVerifier) -> None:
    assert _reason(jwks.sign(_claims(), kid="key-1999"), rs256) is AuthFailure.TOKEN_INVALID


def test_rs256_token_from_another_key_with_our_key_id(jwks: Jwks, rs256: TokenVerifier) -> None:
    impostor = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = jwt.encode(_claims(), impostor, algorithm="RS256", headers={"kid": jwks.kid})
    assert _reason(token, rs256) is AuthFailure.TOKEN_INVALID


def test_rs256_refuses_hs256_signed_with_the_public_key(jwks: Jwks, rs256: TokenVerifier) -> None:
    # The classic key-confusion attack: the public key is public, so an HMAC
    # "signed" with it proves nothing. PyJWT will not even create such a token,
    # so sign it by hand.
    public_pem = jwks.private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    signing_input = (
        f"{_segment({'alg': 'HS256', 'kid': jwks.kid})}.{_segment(_claims(exp=4102444800))}"
    )
    mac = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    assert _reason(f"{signing_input}.{_b64(mac)}", rs256) is AuthFailure.TOKEN_INVALID


def test_rs256_unreachable_jwks_is_unavailable_not_invalid(jwks: Jwks) -> None:
    with socket.socket() as sock:  # a port nobody listens on once closed
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    verifier = TokenVerifier(
        AuthSettings(algorithm="RS256", jwks_url=f"http://127.0.0.1:{port}/jwks.json")
    )
    with pytest.raises(ServiceUnavailable):
        verifier.verify(jwks.sign(_claims()))


# --- clearance is capped by role (issue 11, item 6) ------------------------------------


def test_client_viewer_claiming_top_secret_reads_as_its_role_cap() -> None:
    token = _token(roles=["client_viewer"], tenant="unit:0190a3c2", clearance=Level.TOP_SECRET)
    with structlog.testing.capture_logs() as logged:
        principal = VERIFIER.verify(token)
    assert principal.clearance == Level.PUBLIC
    [warning] = [e for e in logged if e["event"] == "auth.clearance_above_role_cap"]
    assert warning["log_level"] == "warning"
    assert (warning["claimed"], warning["granted"], warning["roles"]) == (3, 0, ["client_viewer"])


def test_a_clearance_below_the_cap_is_kept_and_not_logged() -> None:
    with structlog.testing.capture_logs() as logged:
        principal = VERIFIER.verify(_token(roles=["agency_admin"], clearance=Level.INTERNAL))
    assert principal.clearance == Level.INTERNAL
    assert logged == []


def test_the_cap_is_the_highest_of_the_token_roles() -> None:
    token = _token(roles=["client_viewer", "engineer"], clearance=Level.TOP_SECRET)
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
    assert TokenVerifier(settings).verify(_token(roles=["engineer"])).clearance == Level.INTERNAL
    assert settings.clearance_cap(["client_viewer"]) == Level.SECRET


def test_role_caps_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from gateway.settings import GatewaySettings

    monkeypatch.setenv("ECOHOST_GATEWAY_AUTH__ROLE_CLEARANCE", '{"expert": 2}')
    assert GatewaySettings().auth.clearance_cap(["expert"]) == Level.SECRET


# --- the verified expiry travels on the principal (issue 11, item 4) --------------------


def test_principal_carries_the_verified_expiry() -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    principal = VERIFIER.verify(_token(now=now, ttl_seconds=600))
    assert principal.expires_at == now + timedelta(seconds=600)
    assert ANONYMOUS.expires_at is None
