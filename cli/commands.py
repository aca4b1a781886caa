"""What the one-shot `ecohost` subcommands do; `cli.main` only parses arguments.

`dev`, `ledger` and `archive` have modules of their own (cli/dev.py, cli/ledger.py,
cli/archive.py).
"""

from __future__ import annotations

import importlib
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from kit import replay
from kit.auth import issue_token
from kit.migrate import upgrade

if TYPE_CHECKING:
    from kit.runtime import ServiceRuntime

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_FILE = ROOT / "schema.graphql"
CONTRACT_SCHEMAS = ROOT / "contracts" / "schemas"
CONFIGURATION_DOC = ROOT / "docs" / "configuration.md"


def service_app(name: str) -> ModuleType:
    return importlib.import_module(f"services.{name}.app")


@asynccontextmanager
async def service_runtime(app: ModuleType) -> AsyncIterator[ServiceRuntime]:
    """A service's runtime built from its settings (the environment), for one command:
    its database connections are closed when the command is done."""
    runtime: ServiceRuntime = app.build()
    try:
        yield runtime
    finally:
        await runtime.db.dispose()


async def migrate(names: list[str]) -> None:
    """Apply each service's migrations to its database (`ecohost migrate`; the dev
    stack runs it before starting the services)."""
    for name in names:
        app = service_app(name)
        async with service_runtime(app) as runtime:
            await upgrade(runtime.db, app.MIGRATIONS)
            url = runtime.db.engine.url.render_as_string(hide_password=True)
            print(f"{name}: migrated ({url})")


def token(user: str, roles: list[str], tenant: str, clearance: int | None, ttl: int | None) -> str:
    from gateway.settings import GatewaySettings

    settings = GatewaySettings()
    return issue_token(
        settings.auth,
        user_id=user,
        tenant=tenant,
        roles=roles,
        clearance=clearance,
        ttl_seconds=ttl,
    )


def rendered_schema() -> str:
    from gateway.schema import schema

    return schema.as_str() + "\n"


def rendered_contracts() -> dict[str, str]:
    from contracts.export import json_schemas

    return {
        f"{name}.json": json.dumps(doc, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
        for name, doc in json_schemas().items()
    }


def export_schema(*, check: bool) -> int:
    """Write (or with `check`, compare) schema.graphql, contracts/schemas/*.json and
    docs/configuration.md."""
    from cli.settings_doc import render as rendered_configuration

    wanted = {SCHEMA_FILE: rendered_schema(), CONFIGURATION_DOC: rendered_configuration()}
    wanted |= {CONTRACT_SCHEMAS / n: text for n, text in rendered_contracts().items()}
    stale = [p for p, text in wanted.items() if not p.exists() or p.read_text() != text]
    if check:
        for p in stale:
            print(f"out of date: {p.relative_to(ROOT)} (run `make schema`)")
        return 1 if stale else 0
    CONTRACT_SCHEMAS.mkdir(parents=True, exist_ok=True)
    CONFIGURATION_DOC.parent.mkdir(parents=True, exist_ok=True)
    for p in stale:
        p.write_text(wanted[p])
        print(f"wrote {p.relative_to(ROOT)}")
    return 0


async def replay_dead_letters(name: str, ids: list[int] | None) -> list[replay.Replayed]:
    """Replay a service's dead letters (all when `ids` is None) through its consumers'
    handlers; the running service's relay publishes whatever they record."""
    app = service_app(name)
    async with service_runtime(app) as runtime:
        subscriptions = {sub.durable: sub for sub in await app.consumers(runtime)}
        return await replay.replay_dead_letters(runtime.db, runtime.tables, subscriptions, ids)


async def dead_letters(name: str) -> list[dict[str, Any]]:
    """A service's dead letters, oldest first."""
    async with service_runtime(service_app(name)) as runtime:
        table = runtime.tables.dead_letters
        async with runtime.db.transaction() as session:
            rows = await session.execute(select(table).order_by(table.c.id))
            return [dict(r._mapping) for r in rows]
