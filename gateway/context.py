"""The per-request context: who asks, what they may do, and the request's loaders."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from uuid import UUID

from nats.aio.client import Client
from strawberry.fastapi import BaseContext

from contracts import core
from gateway.authz.authorizer import Authorizer
from gateway.clients import ServiceClients
from gateway.dataloaders import Loaders
from gateway.i18n.language import Language, negotiate
from kit.auth import AuthError, AuthFailure, Principal, TenantKind


@dataclass
class Context(BaseContext):
    request_id: str
    principal: Principal
    authorizer: Authorizer
    clients: ServiceClients
    """The services, spoken to as this request's caller."""
    loaders: Loaders
    auth_error: AuthError | None = None
    """Why a presented token was rejected; the request then runs as anonymous."""
    events: Callable[[], Client | None] = lambda: None
    """The gateway's NATS connection, for subscriptions fed by events."""
    reauthenticate: Callable[[str | None], Context] | None = None
    """A context for another Authorization value: WebSocket clients send their token
    in `connection_init` rather than as a header."""
    idempotency_key: str | None = None
    """The request's `Idempotency-Key` header, as sent (`gateway.idempotency`)."""
    idempotent_paths: set[str] = field(default_factory=set)
    """Response paths of the mutations already sent under that key in this request."""

    def acting_agency(self, requested: str | None = None) -> UUID:
        """The agency the caller acts for: its own. Outside an agency, or naming
        another agency, the caller is refused."""
        principal = self.principal
        if principal.tenant_kind is not TenantKind.AGENCY:
            raise self.denied()
        if requested is not None and requested.lower() != principal.tenant_id.lower():
            raise self.denied()
        try:
            return UUID(principal.tenant_id)
        except ValueError:
            raise self.denied() from None

    def acting_unit(self) -> UUID:
        """The unit the caller acts for (a unit's own people); anyone else is refused."""
        principal = self.principal
        if principal.tenant_kind is not TenantKind.UNIT:
            raise self.denied()
        try:
            return UUID(principal.tenant_id)
        except ValueError:
            raise self.denied() from None

    def for_operation(self) -> Context:
        """The context one operation on a WebSocket runs as. The connection's
        credentials (the handshake's Authorization header, else `connection_init`'s)
        are verified again now, so an expired token no longer counts, and the
        operation gets loaders of its own: nothing cached by an earlier operation."""
        if self.reauthenticate is None:
            return self
        header = self.request.headers.get("authorization") if self.request else None
        fresh = self.reauthenticate(header)
        # The same rule as for_subscription: connection_init's token when the
        # handshake's header gave no principal.
        fresh = fresh.for_subscription(params_of=self)
        fresh.request, fresh.response = self.request, self.response
        fresh.background_tasks, fresh.connection_params = (
            self.background_tasks,
            self.connection_params,
        )
        return fresh

    def for_subscription(self, params_of: Context | None = None) -> Context:
        """The context a subscription runs as: the `connection_init` token (of this
        context's connection, or `params_of`'s) if the WebSocket handshake's header
        gave no principal."""
        source = params_of or self
        params = source.connection_params if isinstance(source.connection_params, dict) else {}
        header = params.get("Authorization") or params.get("authorization")
        if self.principal.is_anonymous and isinstance(header, str) and self.reauthenticate:
            return self.reauthenticate(header)
        return self

    def __post_init__(self) -> None:
        super().__init__()

    @property
    def language(self) -> Language:
        """The caller's language: the request's (or the WebSocket handshake's)
        `Accept-Language`, else `connection_init`'s `Accept-Language`; zh-CN by default."""
        header = self.request.headers.get("accept-language") if self.request else None
        if not header and isinstance(self.connection_params, dict):
            sent = self.connection_params.get("Accept-Language") or self.connection_params.get(
                "accept-language"
            )
            header = sent if isinstance(sent, str) else None
        return negotiate(header)

    def denied(self) -> AuthError:
        """The error a refused mutation reports: the token's problem, if it had one."""
        if self.auth_error is not None:
            return self.auth_error
        if self.principal.is_anonymous:
            return AuthError(AuthFailure.AUTHENTICATION_REQUIRED)
        return AuthError(AuthFailure.PERMISSION_DENIED)


def scope_of(authorizer: Authorizer) -> core.Scope:
    """The authorizer's object scope as the services' `Scope` contract."""
    try:
        scope = authorizer.scope_filter()
    except AuthError:
        return core.Scope()  # anonymous or tenant-less: sees nothing
    try:
        return core.Scope(
            agency_id=UUID(scope["agency_id"]) if "agency_id" in scope else None,
            unit_id=UUID(scope["unit_id"]) if "unit_id" in scope else None,
            region_prefix=scope.get("region_prefix"),
            evaluator_id=UUID(scope["evaluator_id"]) if "evaluator_id" in scope else None,
            client_id=UUID(scope["client_id"]) if "client_id" in scope else None,
        )
    except ValueError:
        return core.Scope()  # a tenant id that is not a UUID scopes to nothing
