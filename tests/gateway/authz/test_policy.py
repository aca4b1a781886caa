"""The seed policy, decided by real enforcers: from the file, SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
from typing import Any

import casbin
import pytest
from casbin.model import FastModel

from gateway.authz.authorizer import Authorizer
from gateway.authz.enforcer import MODEL_PATH, POLICY_PATH, build_enforcer
from kit.auth import ROLES
from tests.gateway.authz.policy import (
    ACTIONS,
    ALLOWED,
    HOME_KIND,
    OBJECTS,
    TENANTS,
    principal_with,
    seed_lines,
)

# --- the permission matrix ----------------------------------------------------------


@pytest.mark.parametrize("act", ACTIONS)
@pytest.mark.parametrize("obj", OBJECTS)
@pytest.mark.parametrize("role", ROLES)
def test_role_in_its_own_kind_of_tenant(enforcer: Any, role: str, obj: str, act: str) -> None:
    assert Authorizer(enforcer, principal_with(role)).can(obj, act) is ((obj, act) in ALLOWED[role])


@pytest.mark.parametrize(
    ("role", "kind"),
    [(role, kind) for role in ROLES for kind in TENANTS if kind != HOME_KIND[role]],
)
def test_role_in_another_kind_of_tenant_may_do_nothing(enforcer: Any, role: str, kind: str) -> None:
    # E.g. a client_admin token for an agency tenant: the role's lines are for
    # unit:* only, so the domain pattern must not let it through.
    authorizer = Authorizer(enforcer, principal_with(role, tenant=TENANTS[kind]))
    assert not any(authorizer.can(obj, act) for obj in OBJECTS for act in ACTIONS)


@pytest.mark.parametrize("tenant", ["", "agency:", "agency", "agencyx:1", "unit", "region"])
def test_malformed_tenant_matches_no_pattern(enforcer: Any, tenant: str) -> None:
    # The verifier never builds such principals; the policy must not rely on it.
    authorizer = Authorizer(enforcer, principal_with("agency_admin", tenant=tenant))
    assert not authorizer.can("unit", "read")


def test_unknown_object_or_action_is_denied(enforcer: Any) -> None:
    authorizer = Authorizer(enforcer, principal_with("agency_admin"))
    assert not authorizer.can("no_such_object", "read")
    assert not authorizer.can("unit", "delete")


def test_inheritance_grants_what_the_role_has_no_lines_for(enforcer: Any) -> None:
    # agency_admin's own lines are about its agency (profile, people, its region
    # statistics, its reminder defaults and delivery log) and the federation SDL; everything
    # on units and engagements comes through project_manager, traces through engineer.
    own = {(rule[2], rule[3]) for rule in enforcer.get_filtered_policy(0, "agency_admin")}
    assert own == {
        ("agency", "update"),
        ("person", "create"),
        ("schema", "read"),
        ("region_statistics", "read"),
        ("notification_defaults", "manage"),
        ("notification_log", "read"),
    }
    assert set(enforcer.get_implicit_roles_for_user("agency_admin")) == {
        "project_manager",
        "engineer",
    }
    assert Authorizer(enforcer, principal_with("agency_admin")).can("trace", "read")
    assert Authorizer(enforcer, principal_with("project_manager")).can("trace", "read")
    # ...and not the other way round.
    assert not Authorizer(enforcer, principal_with("engineer")).can("unit", "update")
    assert not Authorizer(enforcer, principal_with("client_viewer")).can("unit", "update")


def test_any_role_of_several_may_grant(enforcer: Any) -> None:
    assert Authorizer(enforcer, principal_with("expert", "engineer")).can("trace", "read")
    assert not Authorizer(enforcer, principal_with("expert", "evaluator")).can("trace", "read")
    assert Authorizer(enforcer, principal_with("evaluator", "expert")).can("meeting", "read")


def test_enforcer_is_indexed(enforcer: Any) -> None:
    # The plain Enforcer scans every line per decision; the indexed one keeps
    # the cost flat as the policy grows (see ARCHITECTURE.md, Authorization).
    assert isinstance(enforcer, casbin.FastEnforcer)
    assert isinstance(enforcer.get_model(), FastModel)


async def test_the_role_index_answers_as_the_plain_enforcer() -> None:
    # Every (role, tenant kind, object, action) the seed policy can be asked, plus
    # custom roles of other tenants on the same object kinds (the lines the
    # (role, object) index exists for): the indexed enforcer, which expands role
    # inheritance itself, must agree with casbin's plain enforcer everywhere.
    indexed = await build_enforcer(None)
    plain = casbin.Enforcer(str(MODEL_PATH), str(POLICY_PATH))
    objects = sorted({line[3] for line in seed_lines() if line[0] == "p"})
    actions = sorted({line[4] for line in seed_lines() if line[0] == "p"})
    for i, obj in enumerate(objects * 3):
        custom = (f"custom_{i}", f"agency:tenant-{i}", obj, "read")
        indexed.add_policy(*custom)
        plain.add_policy(*custom)
    indexed.add_grouping_policy("custom_0", "engineer")
    plain.add_grouping_policy("custom_0", "engineer")
    # A chain deeper than casbin's role manager follows (10 links): only the roles
    # near enough to its end get its grant, from both enforcers alike.
    chain = [f"chain_{i}" for i in range(13)]
    for lower, upper in itertools.pairwise(chain):
        indexed.add_grouping_policy(lower, upper)
        plain.add_grouping_policy(lower, upper)
    indexed.add_policy(chain[-1], "agency:*", objects[0], "read")
    plain.add_policy(chain[-1], "agency:*", objects[0], "read")
    roles = [*ROLES, "custom_0", "custom_1", "nobody"]
    tenants = ["agency:a1", "unit:u1", "region:440300", "agency:tenant-0"]
    # The matcher demands r.obj == p.obj && r.act == p.act, so for an (object, action)
    # no policy line names the plain enforcer's answer is False without asking it: it
    # is asked the rest (its scan of every line per question was 40 s of this test),
    # and the indexed enforcer is asked everything.
    assert plain.get_model()["m"]["m"].value.startswith("r_obj == p_obj && r_act == p_act &&")
    named = {(line[2], line[3]) for line in plain.get_policy()}
    asked = 0
    for role in roles:
        for tenant in tenants:
            for obj in [*objects, "unknown"]:
                for act in actions:
                    question = (role, tenant, obj, act)
                    expected = plain.enforce(*question) if (obj, act) in named else False
                    assert indexed.enforce(*question) == expected, question
                    asked += 1
    assert asked == len(roles) * len(tenants) * (len(objects) + 1) * len(actions)
    reach = [indexed.enforce(r, "agency:a1", objects[0], "read") for r in chain]
    assert reach == [plain.enforce(r, "agency:a1", objects[0], "read") for r in chain]
    assert reach == [False] * 3 + [True] * 10


def test_enforcers_from_file_and_database_hold_the_same_policy(enforcer: Any) -> None:
    assert sorted(enforcer.get_policy()) == sorted(
        list(line[1:]) for line in seed_lines() if line[0] == "p"
    )
    assert sorted(enforcer.get_grouping_policy()) == sorted(
        list(line[1:]) for line in seed_lines() if line[0] == "g"
    )
