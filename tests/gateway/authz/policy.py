"""The seed policy's expected decisions, written out by hand from the design (who may
do what), not derived from policy.csv, so an edit to the policy that changes a
decision fails here until the table is changed too; and the helpers that ask them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from gateway.authz.enforcer import POLICY_PATH
from kit.auth import ROLES, Level, Principal

AGENCY_ID = "0190a3c2-7b1e-7c3d-8e4f-0123456789ab"
OTHER_AGENCY_ID = "0190a3c2-7b1e-7c3d-8e4f-ba9876543210"
UNIT_ID = "0190a3c3-0000-7000-8000-00000000beef"
OTHER_UNIT_ID = "0190a3c3-0000-7000-8000-00000000cafe"
TENANTS = {
    "agency": f"agency:{AGENCY_ID}",
    "unit": f"unit:{UNIT_ID}",
    "region": "region:44",
    "evaluator": "evaluator:0190a3c4-0000-7000-8000-0000000e7a10",
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
    "appointed_evaluator": "evaluator",
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
    "appointed_evaluator": set(),  # only scorecards of the engagements it is appointed to
}
assert set(ALLOWED) == set(ROLES) == set(HOME_KIND)


def principal_with(
    *roles: str, tenant: str | None = None, clearance: int = Level.INTERNAL
) -> Principal:
    if tenant is None:
        tenant = TENANTS[HOME_KIND[roles[0]]]
    return Principal(user_id="u-1", tenant=tenant, roles=roles, clearance=clearance)


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


async def rule_rows(url: str) -> list[tuple[str, ...]]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            result = await conn.execute(
                text("SELECT ptype, v0, v1, v2, v3 FROM casbin_rule ORDER BY id")
            )
            return [tuple(v for v in row if v is not None) for row in result]
    finally:
        await engine.dispose()


def seed_lines() -> list[tuple[str, ...]]:
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
