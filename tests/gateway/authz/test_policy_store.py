"""The database as policy store: seeded once, the truth over the file, upgraded by
the lines a release adds."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from gateway.authz.authorizer import Authorizer
from gateway.authz.enforcer import MODEL_PATH, POLICY_PATH, build_enforcer
from tests.gateway.authz.policy import (
    principal_with,
    rule_rows,
    seed_lines,
    sqlite_url,
)
from tests.infra.postgres import PostgresInfo

# --- the database as policy store ---------------------------------------------------------


async def test_database_is_seeded_once(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "policy.db")
    first = await build_enforcer(url)
    second = await build_enforcer(url)
    assert sorted(first.get_policy()) == sorted(second.get_policy())
    assert sorted(first.get_grouping_policy()) == sorted(second.get_grouping_policy())
    assert sorted(await rule_rows(url)) == sorted(seed_lines())


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
async def test_concurrent_first_starts_seed_once(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    # Gateway replicas start together on a fresh database: one seeds, the
    # others find the seed.
    if backend == "sqlite":
        url = sqlite_url(tmp_path / "policy.db")
    else:
        postgres: PostgresInfo = request.getfixturevalue("postgres")
        url = postgres.create_database("authz_concurrent_seed")
    enforcers = await asyncio.gather(*(build_enforcer(url) for _ in range(4)))
    assert {len(e.get_policy()) for e in enforcers} == {len(enforcers[0].get_policy())}
    assert sorted(await rule_rows(url)) == sorted(seed_lines())


async def test_database_not_file_is_the_truth(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "policy.db")
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
    assert Authorizer(from_db, principal_with("archive_keeper")).can("trace", "read")
    assert not Authorizer(from_db, principal_with("evaluator")).can("engagement", "read")
    from_file = await build_enforcer(None)
    assert not Authorizer(from_file, principal_with("archive_keeper")).can("trace", "read")
    assert Authorizer(from_file, principal_with("evaluator")).can("engagement", "read")


async def test_lines_a_release_adds_reach_an_existing_database(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "policy.db")
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
    assert not Authorizer(await _db_only(url), principal_with("engineer")).can("activity", "record")
    upgraded = await build_enforcer(url)
    assert Authorizer(upgraded, principal_with("engineer")).can("activity", "record")
    rows = await rule_rows(url)
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
    assert Authorizer(enforcer, principal_with("engineer")).can("unit", "read")
