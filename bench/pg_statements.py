"""PostgreSQL's own time per statement during a timed part, from `pg_stat_statements`:
which statements the server spends its time on, and how long a statement waits (its
execution time includes waiting for a row lock; CPU alone is not reported); and how many
connections the server accepted (each a new backend process).

A bench passes `SETTINGS` to the embedded server it starts (the extension must be loaded
at start), calls `reset()` when its timed part begins and `report(per=n)` when it ends.
"""

from __future__ import annotations

import asyncpg  # type: ignore[import-untyped]  # no stubs

from bench import common

SETTINGS = {"shared_preload_libraries": "pg_stat_statements", "pg_stat_statements.track": "all"}

TOP = """
SELECT calls, total_exec_time, rows,
       left(regexp_replace(query, '\\s+', ' ', 'g'), 90) AS query
FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT $1
"""


SESSIONS = "SELECT sum(sessions) FROM pg_stat_database"
"""Connections the server has accepted (every database), this bench's own included."""


class PgStatements:
    def __init__(self, uri: str, top: int = 15) -> None:
        self._uri = uri
        self._top = top
        self._sessions = 0

    async def _connection(self) -> asyncpg.Connection:
        conn = await asyncpg.connect(self._uri)
        await conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        return conn

    async def reset(self) -> None:
        conn = await self._connection()
        try:
            await conn.execute("SELECT pg_stat_statements_reset()")
            self._sessions = await conn.fetchval(SESSIONS)
        finally:
            await conn.close()

    async def report(self, what: str, per: int) -> None:
        """The statements PostgreSQL spent the most time in since `reset`, per `per`
        requests of the part (calls, rows, µs of execution)."""
        conn = await self._connection()
        try:
            rows = await conn.fetch(TOP, self._top)
            total = await conn.fetchval("SELECT sum(total_exec_time) FROM pg_stat_statements")
            # Less the one this report opened (reset's was counted before its read).
            opened = await conn.fetchval(SESSIONS) - self._sessions - 1
        finally:
            await conn.close()
        common.report(
            f"PostgreSQL's execution time by statement during {what} (pg_stat_statements; "
            f"all statements: {1000 * (total or 0) / per:,.0f} µs per request; connections "
            f"opened: {opened / per:.3f} per request)",
            ["calls per request", "rows per request", "µs per call", "µs per request", "query"],
            [
                [
                    f"{r['calls'] / per:.2f}",
                    f"{r['rows'] / per:.2f}",
                    f"{1000 * r['total_exec_time'] / max(r['calls'], 1):,.1f}",
                    f"{1000 * r['total_exec_time'] / per:,.1f}",
                    r["query"].replace("|", "\\|"),
                ]
                for r in rows
            ],
        )
