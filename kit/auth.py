"""Identity: who is calling, proven by a JWT bearer token.

A token carries the user (`sub`), the tenant the user acts for (`tenant`: an
agency, a pollutant-discharging unit or a regulator's region), the user's roles
and optionally a clearance level. This module turns a token into a `Principal`
and nothing more; what a principal may do is decided by the gateway's casbin
policy (`gateway/authz`), so no role → permission knowledge lives here except
the default clearance of each role.

Two signing set-ups are supported:

* HS256 with a shared secret — the embedded/dev default; `issue_token` mints
  such tokens for the `ecohost token` CLI and for tests.
* RS256 with keys published as a JWKS by an external identity provider; we
  only verify, never issue.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import IntEnum, StrEnum
from types import MappingProxyType
from typing import Any, Literal

import jwt
from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator

from contracts.core import NotAuthorized, ServiceUnavailable
from kit.logging import get_logger
from kit.token_cache import VerifiedTokens

__all__ = [
    "ANONYMOUS",
    "DEFAULT_CLEARANCE",
    "ROLES",
    "AuthError",
    "AuthFailure",
    "AuthSettings",
    "Level",
    "Principal",
    "TenantKind",
    "TokenVerifier",
    "issue_token",
]


class Level(IntEnum):
    """Confidentiality level of an object and clearance of a subject (密级).

    PUBLIC 公开, INTERNAL 内部, SECRET 秘密, TOP_SECRET 机密. A subject reads an
    object when its clearance is at least the object's level (Bell–LaPadula's
    "no read up").
    """

    PUBLIC = 0
    INTERNAL = 1
    SECRET = 2
    TOP_SECRET = 3


ROLES: tuple[str, ...] = (
    "agency_admin",  # 服务机构管理员
    "project_manager",  # 项目负责人
    "engineer",  # 技术人员
    "client_admin",  # 排污单位管理员
    "client_viewer",  # 排污单位查看人员
    "expert",  # 专家
    "regulator",  # 生态环境主管部门 (read-only over a region)
    "evaluator",  # 评价人员
    "archive_keeper",  # 档案管理员
    "appointed_evaluator",  # 委托方指定的第三方评价人员 (tenant evaluator:<id>)
)

# What a token gets when it states no clearance: the highest default of its roles.
DEFAULT_CLEARANCE: Mapping[str, Level] = MappingProxyType(
    {
        "agency_admin": Level.TOP_SECRET,
        "project_manager": Level.SECRET,
        "engineer": Level.INTERNAL,
        "client_admin": Level.SECRET,
        "client_viewer": Level.PUBLIC,
        "expert": Level.INTERNAL,
        "regulator": Level.INTERNAL,
        "evaluator": Level.INTERNAL,
        "archive_keeper": Level.TOP_SECRET,
        "appointed_evaluator": Level.INTERNAL,
    }
)

# The highest clearance an issuer may grant each role: a stated clearance above the
# highest cap of the token's roles is cut down to it (the issuer may lower a
# clearance, never raise it past this). A unit may let its viewers read its INTERNAL
# files, so a viewer's cap is above its default; every other role's cap is its
# default. Roles unknown here (added to the policy DB later) cap at PUBLIC, so a new
# role never silently gains clearance. `AuthSettings.role_clearance` overrides
# single roles.
CLEARANCE_CAP: Mapping[str, Level] = MappingProxyType(
    {**DEFAULT_CLEARANCE, "client_viewer": Level.INTERNAL}
)


class TenantKind(StrEnum):
    """Who a caller acts for: the first part of its tenant, `<kind>:<id>`."""

    AGENCY = "agency"  # 托管服务机构
    UNIT = "unit"  # 排污单位
    REGION = "region"  # 生态环境主管部门, by GB/T 2260 region code
    EVALUATOR = "evaluator"  # 第三方评价机构 appointed per engagement by the contract
    CLIENT = "client"  # 委托方 that is not one unit: 园区, 集团, 区域 (issue 14)


# Agencies and units are identified by UUIDs (hex and dashes). A region is a
# GB/T 2260 administrative-division prefix: 2 digits (province), 4 (prefecture)
# or 6 (county). Odd lengths are refused on purpose: "region:440" is no real
# division, yet as a prefix it would span ten prefectures.
_TENANT_RE = re.compile(
    r"(?:agency|unit|evaluator|client):[0-9a-fA-F-]{1,64}|region:(?:[0-9]{2}){1,3}"
)
# Role names end up as casbin request values; keep them to plain identifiers.
_ROLE_RE = re.compile(r"[a-z][a-z0-9_]{0,63}")
_MAX_USER_ID = 255


class AuthFailure(StrEnum):
    """Why a request was not authenticated or not authorized."""

    # Reason codes, not secrets (ruff's S105 keys on the word "token").
    AUTHENTICATION_REQUIRED = "authentication_required"
    TOKEN_EXPIRED = "token_expired"  # noqa: S105
    TOKEN_INVALID = "token_invalid"  # noqa: S105
    PERMISSION_DENIED = "permission_denied"


_DEFAULT_MESSAGES: Mapping[AuthFailure, str] = MappingProxyType(
    {
        AuthFailure.AUTHENTICATION_REQUIRED: "Authentication required.",
        AuthFailure.TOKEN_EXPIRED: "The access token has expired.",
        AuthFailure.TOKEN_INVALID: "The access token is invalid.",
        AuthFailure.PERMISSION_DENIED: "Permission denied.",
    }
)


class AuthError(NotAuthorized):
    """Authentication or authorization failed; `reason` says which way.

    The reason also goes into `details` so that it reaches clients through the
    stable `not_authorized` error code (a client refreshes on `token_expired`,
    asks the user to log in on `authentication_required`).
    """

    def __init__(self, reason: AuthFailure, message: str | None = None) -> None:
        super().__init__(message or _DEFAULT_MESSAGES[reason], details={"reason": reason.value})
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated caller: a user acting for one tenant with some roles."""

    user_id: str
    tenant: str
    roles: tuple[str, ...]
    clearance: int
    expires_at: datetime | None = field(default=None, compare=False)
    """When the token that proved this principal expires (its verified `exp`); None for
    the anonymous principal. A long-lived connection (a subscription) ends here."""

    @property
    def tenant_kind(self) -> TenantKind | None:
        """`agency`, `unit` or `region`; None for the anonymous principal."""
        try:
            return TenantKind(self.tenant.partition(":")[0])
        except ValueError:
            return None

    @property
    def tenant_id(self) -> str:
        """The part after the colon: an agency/unit UUID or a region code prefix."""
        return self.tenant.partition(":")[2]

    @property
    def is_anonymous(self) -> bool:
        return not self.user_id


log = get_logger(__name__)

ANONYMOUS = Principal(user_id="", tenant="", roles=(), clearance=Level.PUBLIC)

# Public on purpose: it only makes a fresh clone work; a production process refuses it
# (kit.settings.require_production_secret). 32+ bytes so that PyJWT
# does not warn on every token and the length check below holds for it too.
DEV_SECRET = "ecohost-dev-secret-change-me-not-for-production"  # noqa: S105


class AuthSettings(BaseModel):
    """How tokens are signed and checked; nested into the gateway's settings."""

    algorithm: Literal["HS256", "RS256"] = Field(
        default="HS256",
        description="HS256: shared secret (embedded/dev, `ecohost token`). "
        "RS256: an identity provider's keys fetched from `jwks_url`.",
    )
    secret: SecretStr = Field(
        default=SecretStr(DEV_SECRET),
        description="HS256 signing secret, at least 32 bytes (RFC 7518 §3.2). The default "
        "is for development only and must be replaced in any shared deployment.",
    )
    jwks_url: str | None = Field(
        default=None, description="RS256 only: URL of the identity provider's JWKS."
    )
    issuer: str | None = Field(
        default=None, description="Expected `iss` claim; not checked when unset."
    )
    audience: str = Field(default="ecohost", description="Expected `aud` claim.")
    leeway_seconds: int = Field(
        default=30, ge=0, description="Clock skew tolerated on `exp`, `nbf` and `iat`."
    )
    default_ttl_seconds: int = Field(
        default=3600, gt=0, description="Lifetime of tokens minted by `issue_token`."
    )
    role_clearance: dict[str, Level] = Field(
        default_factory=dict,
        description="Highest clearance per role (0 PUBLIC … 3 TOP_SECRET), as JSON, e.g. "
        '`{"expert": 2}`; overrides the built-in map for the roles named. A token\'s '
        "`clearance` claim above the highest of its roles is cut down to it and logged.",
    )

    def clearance_cap(self, roles: Iterable[str]) -> Level:
        """The highest clearance a token with these roles may have."""
        caps = {**CLEARANCE_CAP, **self.role_clearance}
        return max((caps.get(r, Level.PUBLIC) for r in roles), default=Level.PUBLIC)

    def default_clearance(self, roles: Iterable[str]) -> Level:
        """The clearance of a token with these roles that states none (never above
        its cap)."""
        default = max((DEFAULT_CLEARANCE.get(r, Level.PUBLIC) for r in roles), default=Level.PUBLIC)
        return min(default, self.clearance_cap(roles))

    @field_validator("secret")
    @classmethod
    def _secret_long_enough(cls, value: SecretStr) -> SecretStr:
        # PyJWT only warns about short HMAC keys; a weak key is a configuration
        # error, so refuse it at startup instead of on every request.
        if len(value.get_secret_value().encode()) < 32:
            raise ValueError("the HS256 secret must be at least 32 bytes long")
        return value

    @model_validator(mode="after")
    def _rs256_needs_jwks(self) -> AuthSettings:
        if self.algorithm == "RS256" and not self.jwks_url:
            raise ValueError("jwks_url is required when algorithm is RS256")
        return self


def _invalid(message: str) -> AuthError:
    return AuthError(AuthFailure.TOKEN_INVALID, message)


def _check_tenant(tenant: object) -> str:
    if not isinstance(tenant, str) or _TENANT_RE.fullmatch(tenant) is None:
        raise _invalid("The token's tenant is malformed.")
    # UUIDs compare case-insensitively; store one spelling so that scoping and
    # SQL filters can compare strings.
    return tenant.lower()


def _check_roles(roles: object) -> tuple[str, ...]:
    if not isinstance(roles, list | tuple) or not all(
        isinstance(r, str) and _ROLE_RE.fullmatch(r) for r in roles
    ):
        raise _invalid("The token's roles are malformed.")
    return tuple(dict.fromkeys(roles))  # drop duplicates, keep the issuer's order


def _check_user_id(user_id: object) -> str:
    if not isinstance(user_id, str) or not user_id or len(user_id) > _MAX_USER_ID:
        raise _invalid("The token's subject is malformed.")
    return user_id


def _check_clearance(clearance: object) -> Level | None:
    """The stated clearance as a Level; None when the token states none."""
    if clearance is None:
        return None
    # bool is an int subclass; `true` is no clearance level.
    if isinstance(clearance, bool) or not isinstance(clearance, int):
        raise _invalid("The token's clearance is malformed.")
    try:
        return Level(clearance)
    except ValueError:
        raise _invalid("The token's clearance is out of range.") from None


class TokenVerifier:
    """Turns a bearer token into a `Principal`, or raises `AuthError`.

    Build one per process and share it: for RS256 it caches the identity
    provider's key set for 5 minutes (PyJWT's JWK-set cache). The key set, not
    single keys: PyJWT's per-key LRU never expires, so a key the provider has
    withdrawn would stay trusted until restart. The fetch is synchronous, so
    about once per 5 minutes, and for a token with a key id not seen before (at
    most once per 30 s), one verification blocks the event loop for an HTTP
    round trip; all others are pure CPU. Call `verify` from a worker thread if
    the provider is slow. If the provider is down when the cache runs out,
    verification raises ServiceUnavailable until it is back.

    A verified token's principal is kept until the token's `exp` while its key stays
    the current one (`kit.token_cache.VerifiedTokens`); refusals are not kept.
    """

    def __init__(self, settings: AuthSettings, cache: VerifiedTokens | None = None) -> None:
        self._settings = settings
        # A client sends the same token with every request: its answer is kept until
        # its expiry, for as long as its key is current (kit.token_cache).
        self._verified = VerifiedTokens() if cache is None else cache
        self._jwks: jwt.PyJWKClient | None = None
        if settings.algorithm == "RS256":
            assert settings.jwks_url is not None  # enforced by AuthSettings
            self._jwks = jwt.PyJWKClient(settings.jwks_url, lifespan=300)

    def _key(self, token: str) -> Any:
        if self._jwks is None:
            return self._settings.secret.get_secret_value()
        try:
            return self._jwks.get_signing_key_from_jwt(token).key
        except jwt.DecodeError:
            raise _invalid("The access token is invalid.") from None
        except jwt.PyJWKClientConnectionError:
            # Our provider is down, not the caller's token bad: say so, so that
            # clients retry instead of logging the user out.
            raise ServiceUnavailable("The identity provider's keys are unavailable.") from None
        except jwt.PyJWTError:
            raise _invalid("The token's signing key is unknown.") from None

    def verify(self, token: str) -> Principal:
        key = self._key(token)
        known = self._verified.get(token, key)
        if known is not None:
            return known
        principal = self._check(token, key)
        self._verified.put(token, key, principal)
        return principal

    def _check(self, token: str, key: Any) -> Principal:
        """The full verification: signature, registered claims, then our claims."""
        settings = self._settings
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                # Exactly one algorithm: this is what stops `alg: none` and
                # RS256→HS256 key-confusion tokens.
                algorithms=[settings.algorithm],
                audience=settings.audience,
                issuer=settings.issuer,
                leeway=settings.leeway_seconds,
                options={"require": ["exp", "sub", "aud"]},
            )
        except jwt.ExpiredSignatureError:
            raise AuthError(AuthFailure.TOKEN_EXPIRED) from None
        except jwt.PyJWTError:
            # PyJWT's messages can echo token content; keep them out of
            # responses and logs that clients see.
            raise _invalid("The access token is invalid.") from None

        if "tenant" not in claims or "roles" not in claims:
            raise _invalid("The token lacks the tenant or roles claim.")
        roles = _check_roles(claims["roles"])
        user_id = _check_user_id(claims["sub"])
        tenant = _check_tenant(claims["tenant"])
        cap = settings.clearance_cap(roles)
        stated = _check_clearance(claims.get("clearance"))
        if stated is not None and stated > cap:
            log.warning(
                "auth.clearance_above_role_cap",
                user_id=user_id,
                tenant=tenant,
                roles=list(roles),
                claimed=int(stated),
                granted=int(cap),
            )
        try:  # required above; PyJWT checked it is a number in the future
            expires_at = datetime.fromtimestamp(claims["exp"], UTC)
        except (OverflowError, OSError, ValueError):
            raise _invalid("The token's expiry is out of range.") from None
        return Principal(
            user_id=user_id,
            tenant=tenant,
            roles=roles,
            clearance=settings.default_clearance(roles) if stated is None else min(stated, cap),
            expires_at=expires_at,
        )

    def principal_from_header(self, authorization: str | None) -> Principal:
        """Principal of an `Authorization` header value: `Bearer <token>`.

        No header (or a blank one) means an anonymous caller — public fields
        stay reachable. Anything else that is not a valid bearer token raises:
        a client that sent credentials wants to know they were refused.
        """
        if authorization is None or not authorization.strip():
            return ANONYMOUS
        parts = authorization.split()
        if len(parts) != 2 or parts[0].lower() != "bearer":
            raise _invalid("The Authorization header must be `Bearer <token>`.")
        return self.verify(parts[1])


def issue_token(
    settings: AuthSettings,
    *,
    user_id: str,
    tenant: str,
    roles: Iterable[str],
    clearance: int | None = None,
    ttl_seconds: int | None = None,
    now: datetime | None = None,
) -> str:
    """Mint an HS256 token that `TokenVerifier(settings)` accepts.

    `now` (timezone-aware) lets tests mint tokens that are already expired.
    Raises ValueError for RS256 settings — those keys belong to the identity
    provider — and for claims the verifier would refuse.
    """
    if settings.algorithm != "HS256":
        raise ValueError("issue_token only signs HS256 tokens; RS256 tokens come from the IdP")
    if now is None:
        now = datetime.now(UTC)
    elif now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    try:
        role_tuple = _check_roles(list(roles))
        claims: dict[str, Any] = {
            "sub": _check_user_id(user_id),
            "tenant": _check_tenant(tenant),
            "roles": list(role_tuple),
        }
        # Written as given (range-checked only): the verifier caps it by role, and
        # tests need tokens that claim too much.
        stated = _check_clearance(clearance)
        if stated is not None:
            claims["clearance"] = int(stated)
    except AuthError as exc:
        raise ValueError(exc.message) from None
    ttl = settings.default_ttl_seconds if ttl_seconds is None else ttl_seconds
    claims.update(
        iat=now,
        exp=now + timedelta(seconds=ttl),
        aud=settings.audience,
        jti=uuid.uuid4().hex,  # lets a later deny-list or audit name one token
    )
    if settings.issuer is not None:
        claims["iss"] = settings.issuer
    return jwt.encode(claims, settings.secret.get_secret_value(), algorithm="HS256")
