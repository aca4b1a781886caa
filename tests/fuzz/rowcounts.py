"""Row counts of every table of every service database, in one round trip per database.

A refused mutation must leave all of them as they were. The statement is built once
from the catalog (a `count(*)` per table, UNION ALL) and run on a connection kept
open for the module, so a snapshot costs a few milliseconds, not one query per table."""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

SERVICES = ("engagement", "evaluation", "archive", "compliance")


class RowCounts:
    def __init__(self, database_urls: dict[str, str]) -> None:
        self._runner = asyncio.Runner()
        by_url: dict[str, list[str]] = defaultdict(list)
        for service in SERVICES:
            by_url[database_urls[service]].append(service)
        self._databases = dict(by_url)
        self._engines: list[AsyncEngine] = []
        self._plans: list[tuple[AsyncConnection, Any]] = []
        self._runner.run(self._prepare())

    async def _prepare(self) -> None:
        for url, services in self._databases.items():
            engine = create_async_engine(url)
            self._engines.append(engine)
            conn = await engine.connect()
            tables = await self._tables(conn, url, services)
            parts = [
                f"SELECT '{name}' AS t, count(*) AS n FROM {qualified}"  # noqa: S608 — catalog names
                for name, qualified in tables
            ]
            self._plans.append((conn, text(" UNION ALL ".join(parts))))

    @staticmethod
    async def _tables(
        conn: AsyncConnection, url: str, services: list[str]
    ) -> list[tuple[str, str]]:
        if url.startswith("sqlite"):
            [service] = services  # a SQLite file per service
            sql = "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            names = [r[0] for r in await conn.execute(text(sql))]
            return [(f"{service}.{n}", f'"{n}"') for n in names]
        sql = (
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_schema = ANY(:s) AND table_type = 'BASE TABLE' ORDER BY 1, 2"
        )
        rows = await conn.execute(text(sql), {"s": services})
        return [(f"{s}.{n}", f'"{s}"."{n}"') for s, n in rows]

    def snapshot(self) -> dict[str, int]:
        return self._runner.run(self._snapshot())

    async def _snapshot(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for conn, statement in self._plans:
            counts.update({t: n for t, n in await conn.execute(statement)})
            await conn.commit()  # end the read's transaction: the next one sees new rows
        return counts

    def settled(self, timeout: float = 20.0, interval: float = 0.2) -> dict[str, int]:
        """Counts once event consumers are done: unchanged over one interval."""
        deadline = time.monotonic() + timeout
        previous = self.snapshot()
        while True:
            time.sleep(interval)
            current = self.snapshot()
            if current == previous or time.monotonic() > deadline:
                return current
            previous = current

    def close(self) -> None:
        async def dispose() -> None:
            for conn, _ in self._plans:
                await conn.close()
            for engine in self._engines:
                await engine.dispose()

        self._runner.run(dispose())
        self._runner.close()
