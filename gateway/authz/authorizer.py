"""Per-request authorization: what this principal may do, and to which objects.

Two questions, answered in two places:

* "May a project manager update engagements?" — a role question, decided by
  casbin from the policy (`can`, `require`). The answer is the same for every
  engagement, so it is memoised for the request.
* "Is this engagement one of theirs?" — object scoping, decided from the
  principal's tenant (`in_scope` for one object, `scope_filter` for a list
  query, which services turn into SQL). A caller out of scope gets "not
  found", never "forbidden", so that object ids do not leak.

Confidentiality is a third, independent check (`can_read_level`).
"""

from __future__ import annotations

from typing import Protocol

from kit.auth import AuthError, AuthFailure, Principal, TenantKind

__all__ = ["Authorizer", "Decider"]


class Decider(Protocol):
    """The part of a casbin enforcer the authorizer uses."""

    def enforce(self, *rvals: str) -> bool: ...


class Authorizer:
    """Answers authorization questions for one principal during one request.

    Build a new one per request: memoised decisions must not outlive a policy
    reload or be shared between principals.
    """

    __slots__ = ("_decisions", "_enforcer", "principal")

    def __init__(self, enforcer: Decider, principal: Principal) -> None:
        self._enforcer = enforcer
        self.principal = principal
        self._decisions: dict[tuple[str, str], bool] = {}

    def can(self, obj: str, act: str) -> bool:
        """Whether any of the principal's roles may `act` on `obj` in its tenant.

        A query that resolves the same field on 1,000 rows asks this 1,000
        times; casbin is asked once per (obj, act) and role.
        """
        key = (obj, act)
        decision = self._decisions.get(key)
        if decision is None:
            decision = self._decide(obj, act)
            self._decisions[key] = decision
        return decision

    def _decide(self, obj: str, act: str) -> bool:
        principal = self.principal
        # keyMatch("agency:", "agency:*") holds; the verifier never yields an
        # empty tenant id, but a hand-built principal must not slip through.
        if principal.is_anonymous or not principal.tenant_id:
            return False
        return any(
            self._enforcer.enforce(role, principal.tenant, obj, act) for role in principal.roles
        )

    def acting_role(self, obj: str, act: str) -> str | None:
        """The first of the principal's roles that may `act` on `obj`: the capacity a
        decision is made in (published where a person's id must not be)."""
        principal = self.principal
        if principal.is_anonymous or not principal.tenant_id:
            return None
        return next(
            (r for r in principal.roles if self._enforcer.enforce(r, principal.tenant, obj, act)),
            None,
        )

    def can_read_level(self, level: int) -> bool:
        """Bell–LaPadula's simple security property: no read up (clearance ≥ level)."""
        return self.principal.clearance >= level

    def require(self, obj: str, act: str) -> None:
        """Raise AuthError unless `can(obj, act)`.

        Anonymous callers get AUTHENTICATION_REQUIRED (logging in may help),
        others PERMISSION_DENIED. This is for operations; for one object out of
        scope, raise NotFound instead.
        """
        if self.can(obj, act):
            return
        if self.principal.is_anonymous:
            raise AuthError(AuthFailure.AUTHENTICATION_REQUIRED)
        raise AuthError(AuthFailure.PERMISSION_DENIED)

    def in_scope(
        self, *, agency_id: str | None, unit_id: str | None, region_code: str | None
    ) -> bool:
        """Whether an object with these owners lies in the principal's tenant.

        An agency sees objects it serves, a unit its own objects, a regulator
        objects whose GB/T 2260 region code starts with its region prefix
        ("44" covers "440305"; "4403" does not cover a province-level "44").
        """
        principal = self.principal
        # Ids are UUIDs, equal in either case; the verifier lowercases tenants,
        # lowering here too keeps hand-built principals and odd rows safe.
        tenant_id = principal.tenant_id.lower()
        match principal.tenant_kind:
            case TenantKind.AGENCY:
                return agency_id is not None and agency_id.lower() == tenant_id
            case TenantKind.UNIT:
                return unit_id is not None and unit_id.lower() == tenant_id
            case TenantKind.REGION:
                return region_code is not None and region_code.startswith(tenant_id)
            case TenantKind.EVALUATOR | TenantKind.CLIENT | None:
                # An appointed evaluator's engagements are known to the evaluation
                # service only; it scopes them there (Scope.evaluator_id). A client's
                # (park, group, region) are known to the engagement service (client_id).
                return False

    def scope_filter(self) -> dict[str, str]:
        """The tenant as a filter for list queries, applied in SQL by services.

        One of {"agency_id": id}, {"unit_id": id} or {"region_prefix": code}.
        Raises for an anonymous principal rather than return {}, which a
        service would read as "no filter" — everything.
        """
        principal = self.principal
        match principal.tenant_kind:
            case TenantKind.AGENCY:
                return {"agency_id": principal.tenant_id}
            case TenantKind.UNIT:
                return {"unit_id": principal.tenant_id}
            case TenantKind.REGION:
                return {"region_prefix": principal.tenant_id}
            case TenantKind.EVALUATOR:
                return {"evaluator_id": principal.tenant_id}
            case TenantKind.CLIENT:
                return {"client_id": principal.tenant_id}
            case None:
                if principal.is_anonymous:
                    raise AuthError(AuthFailure.AUTHENTICATION_REQUIRED)
                raise AuthError(AuthFailure.PERMISSION_DENIED)
