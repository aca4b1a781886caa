"""The per-request Authorizer over an enforcer: anonymous callers, `require`,
memoised decisions and reading by clearance."""

from __future__ import annotations

from typing import Any

import pytest

from gateway.authz.authorizer import Authorizer
from kit.auth import ANONYMOUS, AuthError, AuthFailure, Level
from tests.gateway.authz.policy import (
    ACTIONS,
    OBJECTS,
    TENANTS,
    CountingDecider,
    principal_with,
)

# --- anonymous, require -----------------------------------------------------------


def test_anonymous_may_do_nothing(enforcer: Any) -> None:
    counting = CountingDecider(enforcer)
    authorizer = Authorizer(counting, ANONYMOUS)
    assert not any(authorizer.can(obj, act) for obj in OBJECTS for act in ACTIONS)
    assert counting.calls == []  # no need to ask casbin


def test_require(enforcer: Any) -> None:
    Authorizer(enforcer, principal_with("project_manager")).require("engagement", "create")
    with pytest.raises(AuthError) as denied:
        Authorizer(enforcer, principal_with("engineer")).require("engagement", "create")
    assert denied.value.reason is AuthFailure.PERMISSION_DENIED
    with pytest.raises(AuthError) as anonymous:
        Authorizer(enforcer, ANONYMOUS).require("engagement", "read")
    assert anonymous.value.reason is AuthFailure.AUTHENTICATION_REQUIRED


# --- memoisation ------------------------------------------------------------------------


def test_decisions_are_memoised_per_request(enforcer: Any) -> None:
    counting = CountingDecider(enforcer)
    authorizer = Authorizer(counting, principal_with("engineer"))
    for _ in range(1000):  # one field resolved on 1,000 rows
        assert authorizer.can("unit", "read")
        assert not authorizer.can("unit", "update")
    assert counting.calls == [
        ("engineer", TENANTS["agency"], "unit", "read"),
        ("engineer", TENANTS["agency"], "unit", "update"),
    ]


def test_memo_is_per_authorizer(enforcer: Any) -> None:
    counting = CountingDecider(enforcer)
    Authorizer(counting, principal_with("engineer")).can("unit", "read")
    Authorizer(counting, principal_with("engineer")).can("unit", "read")
    assert len(counting.calls) == 2


def test_several_roles_stop_at_the_first_grant_and_memoise(enforcer: Any) -> None:
    counting = CountingDecider(enforcer)
    authorizer = Authorizer(counting, principal_with("expert", "engineer", "evaluator"))
    for _ in range(10):
        assert authorizer.can("trace", "read")
    assert [call[0] for call in counting.calls] == ["expert", "engineer"]


# --- confidentiality -------------------------------------------------------------------


@pytest.mark.parametrize("clearance", list(Level))
@pytest.mark.parametrize("level", list(Level))
def test_read_level_is_no_read_up(enforcer: Any, clearance: Level, level: Level) -> None:
    authorizer = Authorizer(enforcer, principal_with("engineer", clearance=clearance))
    assert authorizer.can_read_level(level) is (clearance >= level)
