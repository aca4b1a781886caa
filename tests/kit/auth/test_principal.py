"""A verified token's principal: its tenant, roles and clearance, and the anonymous one."""

from __future__ import annotations

import pytest

from kit.auth import (
    ANONYMOUS,
    ROLES,
    Level,
    Principal,
)
from tests.kit.auth.tokens import (
    AGENCY,
    AGENCY_ID,
    VERIFIER,
    issued_token,
)

# --- round trip and claims -----------------------------------------------------


def test_issued_token_verifies_to_its_principal() -> None:
    token = issued_token(roles=["project_manager"], clearance=Level.SECRET)
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
    assert VERIFIER.verify(issued_token(roles=roles)).clearance == expected


def test_explicit_clearance_zero_is_not_replaced_by_the_role_default() -> None:
    assert (
        VERIFIER.verify(issued_token(roles=["agency_admin"], clearance=0)).clearance == Level.PUBLIC
    )


def test_roles_keep_order_and_lose_duplicates() -> None:
    principal = VERIFIER.verify(issued_token(roles=["expert", "engineer", "expert"]))
    assert principal.roles == ("expert", "engineer")


def test_tenant_is_stored_in_lower_case() -> None:
    assert VERIFIER.verify(issued_token(tenant=f"agency:{AGENCY_ID.upper()}")).tenant == AGENCY


def test_every_known_role_is_accepted() -> None:
    assert VERIFIER.verify(issued_token(roles=list(ROLES))).roles == ROLES


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
    principal = VERIFIER.verify(issued_token(tenant=tenant))
    assert (principal.tenant_kind, principal.tenant_id) == (kind, tenant_id)
    assert not principal.is_anonymous


def test_anonymous() -> None:
    assert ANONYMOUS.is_anonymous
    assert (ANONYMOUS.tenant_kind, ANONYMOUS.tenant_id) == (None, "")
    assert (ANONYMOUS.roles, ANONYMOUS.clearance) == ((), Level.PUBLIC)
