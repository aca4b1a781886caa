"""Pinging a pooled PostgreSQL connection before use only when it has sat idle.

`pool_pre_ping` pings on every checkout: one more round trip to the server per
transaction, about 100 µs of CPU on a path that costs about 2 ms in all
(docs/BENCHMARKS.md §17, sixth round). What the ping is for is a connection that
died while it sat in the pool: the server restarted or was failed over, or something
between closed an idle connection. A connection checked in a moment ago has not sat
anywhere; a restart takes longer than the idle time below. A connection found dead by
the ping is replaced, and every older one in the pool with it, as `pool_pre_ping` does.
One that dies within the idle time fails its statement as a disconnect
(`kit.db.database_unreachable`: the caller hears ServiceUnavailable and retries), and
the pool is renewed the same way.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import event
from sqlalchemy.exc import InvalidatePoolError
from sqlalchemy.ext.asyncio import AsyncEngine

IDLE_BEFORE_PING = 1.0
"""Seconds in the pool after which a connection is pinged before it is used."""

_IDLE_SINCE = "ecohost_idle_since"


def ping_when_idle(engine: AsyncEngine, idle: float = IDLE_BEFORE_PING) -> None:
    """Make `engine`'s pool ping a connection at checkout when it was checked in more
    than `idle` seconds before (for an engine made without `pool_pre_ping`)."""
    pool, dialect = engine.sync_engine.pool, engine.sync_engine.dialect

    @event.listens_for(pool, "checkin")
    def _checked_in(_dbapi_conn: Any, record: Any) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(pool, "checkout")
    def _ping_if_idle(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        since = record.info.pop(_IDLE_SINCE, None)
        if since is None or time.monotonic() - since < idle:
            return  # new, or back in the pool only a moment ago
        try:
            dialect.do_ping(dbapi_conn)
        except dialect.loaded_dbapi.Error as exc:
            if dialect.is_disconnect(exc, dbapi_conn, None):
                # As pool_pre_ping: this connection and every older one are replaced.
                raise InvalidatePoolError() from exc
            raise
