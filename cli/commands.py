"""What each `ecohost` subcommand does; `cli.main` only parses arguments."""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from types import ModuleType
from typing import Any

from sqlalchemy import select

from kit.auth import issue_token
from kit.migrate import upgrade
from kit.replay import Replayed
from kit.replay import replay_dead_letters as replay_dead_letters_of

SERVICES = ("engagement", "evaluation", "archive")
ROOT = Path(__file__).resolve().parent.parent
SCHEMA_FILE = ROOT / "schema.graphql"
CONTRACT_SCHEMAS = ROOT / "contracts" / "schemas"
CONFIGURATION_DOC = ROOT / "docs" / "configuration.md"


def service_app(name: str) -> ModuleType:
    return importlib.import_module(f"services.{name}.app")


def dev(data_dir: Path, port: int, nats_url: str | None) -> int:
    from cli.stack import StackConfig, run_dev

    return run_dev(StackConfig(data_dir=data_dir, gateway_port=port, nats_url=nats_url))


async def migrate(names: list[str]) -> None:
    for name in names:
        app = service_app(name)
        runtime = app.build()
        try:
            await upgrade(runtime.db, app.MIGRATIONS)
            print(
                f"{name}: migrated ({runtime.db.engine.url.render_as_string(hide_password=True)})"
            )
        finally:
            await runtime.db.dispose()


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


async def replay_dead_letters(name: str, ids: list[int] | None) -> list[Replayed]:
    """Replay a service's dead letters (all when `ids` is None) through its consumers'
    handlers; the running service's relay publishes whatever they record."""
    app = service_app(name)
    runtime = app.build()
    try:
        subscriptions = {sub.durable: sub for sub in await app.consumers(runtime)}
        return await replay_dead_letters_of(runtime.db, runtime.tables, subscriptions, ids)
    finally:
        await runtime.db.dispose()


async def dead_letters(name: str) -> list[dict[str, Any]]:
    app = service_app(name)
    runtime = app.build()
    table = runtime.tables.dead_letters
    try:
        async with runtime.db.transaction() as session:
            rows = await session.execute(select(table).order_by(table.c.id))
            return [dict(r._mapping) for r in rows]
    finally:
        await runtime.db.dispose()
