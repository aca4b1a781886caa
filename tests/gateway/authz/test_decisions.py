"""casbin's decisions remembered across requests (`DecisionCache`): the same answer as
the enforcer for every role, tenant, object and action, each asked of casbin once."""

from __future__ import annotations

from typing import Any

from gateway.authz import decisions
from gateway.authz.authorizer import Authorizer
from gateway.authz.decisions import DecisionCache
from kit.auth import ROLES
from tests.gateway.authz.policy import ACTIONS, OBJECTS, TENANTS, CountingDecider, principal_with

QUESTIONS = [
    (role, tenant, obj, act)
    for role in sorted(ROLES)
    for tenant in (*TENANTS.values(), "agency:someone-else")
    for obj in (*OBJECTS, "scorecard", "fee_terms", "no_such_object")
    for act in (*ACTIONS, "delete")
]


def test_every_decision_is_the_enforcers_and_asked_of_it_once(enforcer: Any) -> None:
    counting = CountingDecider(enforcer)
    cache = DecisionCache(counting)
    first = [cache.enforce(*q) for q in QUESTIONS]
    again = [cache.enforce(*q) for q in QUESTIONS]
    assert first == again == [bool(enforcer.enforce(*q)) for q in QUESTIONS]
    assert any(first)
    assert not all(first)
    assert len(counting.calls) == len(QUESTIONS)


def test_requests_share_the_decisions_but_each_authorizer_still_decides(enforcer: Any) -> None:
    counting = CountingDecider(enforcer)
    cache = DecisionCache(counting)
    manager, engineer = principal_with("project_manager"), principal_with("engineer")
    for _request in range(3):
        assert Authorizer(cache, manager).can("engagement", "create")
        assert not Authorizer(cache, engineer).can("engagement", "create")
    assert len(counting.calls) == 2


def test_a_full_cache_is_emptied_not_wrong(enforcer: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(decisions, "MAX_DECISIONS", 5)
    counting = CountingDecider(enforcer)
    cache = DecisionCache(counting)
    answers = [cache.enforce(*q) for q in QUESTIONS[:12]]
    assert answers == [bool(enforcer.enforce(*q)) for q in QUESTIONS[:12]]
    assert len(cache._decisions) <= 5
