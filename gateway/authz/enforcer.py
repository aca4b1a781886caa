"""Build the casbin enforcer that decides (role, tenant, object, action) questions.

`model.conf` (beside this file) defines the request shape; `policy.csv` is the
seed policy. Without a database the file is the policy. With one, the
`casbin_rule` table (owned by casbin_async_sqlalchemy_adapter) is the truth and
the file only fills it while it is empty, so policy edits made in the database
survive restarts and deployments.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import casbin
from casbin import FastEnforcer
from casbin.model import FastModel
from casbin_async_sqlalchemy_adapter import Adapter, CasbinRule
from sqlalchemy import Column, MetaData, String, Table, func, insert, inspect, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, create_async_engine
from sqlalchemy.pool import NullPool

__all__ = ["CACHE_KEY_ORDER", "MODEL_PATH", "POLICY_PATH", "build_enforcer"]

MODEL_PATH = Path(__file__).parent / "model.conf"
POLICY_PATH = Path(__file__).parent / "policy.csv"

# FastEnforcer keeps `p` lines in a tree keyed by these request fields and
# evaluates the matcher only on the lines under the request's keys: the role
# (`sub`) and the object kind (`obj`). A key must be compared by plain equality,
# and `sub` is not — it goes through g(), so a project manager matches the
# engineer's lines. RoleIndexedEnforcer makes it so: it asks once per role in the
# caller's role's inheritance, each time with exactly that role. Then the lines
# looked at per decision are one role's lines on one object kind, however many
# roles, tenants or object kinds the policy holds. (`dom` goes through keyMatch
# — "agency:<id>" matches "agency:*" — so it cannot be a key; FastPolicy also
# assumes exactly two keys when it lists all lines.)
CACHE_KEY_ORDER: tuple[int, int] = (0, 2)

# Serialises the check-then-seed of concurrently starting gateways on
# PostgreSQL (a transaction-scoped advisory lock; any stable bigint will do).
_SEED_LOCK_KEY = int.from_bytes(
    hashlib.sha256(b"ecohost.gateway.casbin_rule.seed").digest()[:8], "big", signed=True
)


def _new_enforcer(model: Any, adapter: Any = None) -> casbin.Enforcer:
    return RoleIndexedEnforcer(model, adapter, cache_key_order=CACHE_KEY_ORDER)


class RoleIndexedEnforcer(FastEnforcer):  # type: ignore[misc]
    """FastEnforcer indexed on (role, object kind), with role inheritance expanded here.

    `enforce(role, dom, obj, act)` is true when `role` or a role it inherits (g,
    transitively) has an allowing line; that is what the matcher's g(r.sub, p.sub)
    means, so the answers are the plain enforcer's — the policy effect is allow-only,
    so one allowing role decides. Each inner decision looks only at the lines of
    one role on one object kind.
    """

    def enforce(self, *rvals: str) -> bool:
        role, *rest = rvals
        return any(super(RoleIndexedEnforcer, self).enforce(r, *rest) for r in self._lineage(role))

    def _lineage(self, role: str) -> list[str]:
        """`role` and the roles it inherits, nearest first, as far as g() looks: the
        role manager follows at most `max_hierarchy_level` links, so a deeper role
        grants nothing here either."""
        limit = self.get_role_manager().max_hierarchy_level
        found, frontier = [role], [role]
        for _ in range(limit - 1):
            frontier = [r for f in frontier for r in self.get_roles_for_user(f) if r not in found]
            if not frontier:
                break
            found.extend(dict.fromkeys(frontier))
        return found


def _new_model() -> Any:
    # A model built by hand must be a FastModel for FastEnforcer to index it.
    # (`casbin.model` is shadowed by a star import in casbin/__init__, hence
    # the from-imports.)
    model = FastModel(CACHE_KEY_ORDER)
    model.load_model(str(MODEL_PATH))
    return model


async def build_enforcer(database_url: str | None) -> casbin.Enforcer:
    """Enforcer with the policy from `database_url`, or from policy.csv when None.

    `database_url` is an async SQLAlchemy URL (`sqlite+aiosqlite:///…`,
    `postgresql+asyncpg://…`). The returned enforcer holds a snapshot: it is not
    connected to the database, and a policy change takes effect in a process
    when it builds a new enforcer. Its own add/remove methods change only that
    snapshot.

    Call `enforce` from the event-loop thread only: FastEnforcer narrows its
    policy list in place for the duration of each decision, which is safe
    between coroutines (a decision never awaits) but not between threads.
    """
    if database_url is None:
        return _new_enforcer(str(MODEL_PATH), str(POLICY_PATH))

    # A short-lived engine: loading happens at start-up (and on reload), so
    # keeping a pool open in between would only hold idle connections.
    engine = create_async_engine(database_url, poolclass=NullPool)
    try:
        await _seed_if_empty(engine)
        model = _new_model()
        # The adapter is async, pycasbin's FastEnforcer is sync: let the adapter
        # fill a model, then hand the filled model to the enforcer.
        await Adapter(engine).load_policy(model)
    finally:
        await engine.dispose()
    enforcer = _new_enforcer(model)
    enforcer.build_role_links()
    return enforcer


# Seed lines already applied to this database, so that a release adding policy lines
# reaches existing deployments while a line an administrator deleted stays deleted.
_APPLIED = Table(
    "casbin_seed_applied",
    MetaData(),
    Column("rule", String(400), primary_key=True),
)


def _key(ptype: str, rule: list[str]) -> str:
    return ", ".join([ptype, *rule])


async def _seed_if_empty(engine: AsyncEngine) -> None:
    """Create casbin_rule if needed and copy into it the lines of policy.csv that this
    database has not received yet (all of them on a new database)."""
    async with AsyncSession(engine) as session, session.begin():
        conn = await session.connection()
        # Lock before looking, so that two gateways starting together cannot both
        # find the same lines missing and both add them.
        await _lock_for_seeding(conn)
        await conn.run_sync(CasbinRule.__table__.create, checkfirst=True)
        first_sync = not await conn.run_sync(lambda c: inspect(c).has_table(_APPLIED.name))
        await conn.run_sync(_APPLIED.create, checkfirst=True)
        if first_sync and await session.scalar(select(func.count()).select_from(CasbinRule)):
            # A database seeded before seeds were tracked: what it holds counts as applied.
            existing = await session.execute(select(CasbinRule))
            for row in existing.scalars():
                values = [v for v in (row.v0, row.v1, row.v2, row.v3, row.v4, row.v5) if v]
                await session.execute(insert(_APPLIED).values(rule=_key(row.ptype, values)))
        applied = set((await session.execute(select(_APPLIED.c.rule))).scalars())
        # Let casbin parse the file, so the seed means exactly what the
        # file-based enforcer reads.
        seed = casbin.Enforcer(str(MODEL_PATH), str(POLICY_PATH))
        adapter = Adapter(engine, db_session=session)
        for sec in ("p", "g"):
            for ptype, assertion in seed.get_model()[sec].items():
                new = [list(r) for r in assertion.policy if _key(ptype, list(r)) not in applied]
                if not new:
                    continue
                await adapter.add_policies(sec, ptype, new)
                for rule in new:
                    await session.execute(insert(_APPLIED).values(rule=_key(ptype, rule)))


async def _lock_for_seeding(conn: AsyncConnection) -> None:
    match conn.dialect.name:
        case "postgresql":
            await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SEED_LOCK_KEY})
        case "sqlite":
            # Python's sqlite3 defers BEGIN until the first write; an explicit
            # BEGIN IMMEDIATE takes the database's write lock now, and a second
            # process waits on it (busy timeout) until the first commits.
            await conn.exec_driver_sql("BEGIN IMMEDIATE")
        case _:
            # Other databases are not deployment targets; a race there could at
            # worst store the seed twice, which casbin tolerates (same answers).
            pass
