"""A command sent twice with the same idempotency key runs once.

A caller that got no answer (a timeout, a lost connection, `ServiceUnavailable`) cannot
tell whether its command committed. With a key it can simply send it again: the first
answer is kept in the command's own transaction, keyed by (tenant, actor, key), and a
retry gets that answer back without running the command, emitting its events or
changing anything. Two concurrent sends of one key: the second waits on the first's row
(PostgreSQL's unique index; SQLite has one writer), then answers as a retry.

A key names one request: used again for another request type or other input it is
refused (`ValidationFailed` on `idempotencyKey`), as a client bug. Failures are not
kept: a command refused by a `DomainError` rolls back and may be retried with the key.
Answers are kept for `RETENTION`; every service purges older ones (`purge_expired`).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar, cast

from sqlalchemy import (
    CursorResult,
    Delete,
    Select,
    Table,
    bindparam,
    delete,
    insert,
    select,
    tuple_,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.core import Contract, ValidationFailed
from kit import prepared
from kit.db import Database
from kit.logging import get_logger
from kit.metrics import IDEMPOTENT_REPLAYS
from kit.prepared import Prepared
from kit.rpc import CallContext, RawReply

log = get_logger(__name__)

Answer = TypeVar("Answer", bound=Contract)


class Replayed(RawReply):
    """An answer given again from what a key kept: the command did not run, so nothing
    was written (no event for the relay to publish)."""

    __slots__ = ()


RETENTION = timedelta(hours=24)
"""How long a key's answer is kept: a retry later than this runs the command again."""


async def run_once(
    db: Database,
    table: Table,
    ctx: CallContext,
    request: Contract,
    command: Callable[[AsyncSession], Awaitable[Answer | RawReply]],
) -> Answer | RawReply:
    """Run `command` in one transaction. Sent with an idempotency key, its answer is
    recorded in that transaction, or, if an earlier run under the key recorded one, that
    answer is returned (`Replayed`) and nothing runs. The command may answer with its
    own encoding (a `RawReply`); it is kept as it was sent."""
    if ctx.idempotency_key is None:
        async with db.transaction() as session:
            return await command(session)
    key = {"tenant": ctx.tenant, "actor": ctx.actor, "key": ctx.idempotency_key}
    request_type = type(request).__name__
    request_hash = hashlib.sha256(request.model_dump_json().encode()).hexdigest()
    try:
        async with db.transaction() as session:
            kept = await _recall(session, table, key)
            if kept is not None:
                return _replay(kept, request_type, request_hash, "retry")
            answer = await command(session)
            answered = {
                **key,
                "request_type": request_type,
                "request_hash": request_hash,
                "reply": answer.json if isinstance(answer, RawReply) else answer.model_dump_json(),
                "created_at": datetime.now(UTC),
            }
            await prepared.execute(session, (_statements(table).keep, answered))
    except IntegrityError:
        # Another send of this key committed first (its row is the conflict): its answer
        # is the answer, and this run's writes are rolled back. Any other integrity
        # error finds no row and is raised as it was.
        async with db.transaction() as session:
            kept = await _recall(session, table, key)
        if kept is None:
            raise
        return _replay(kept, request_type, request_hash, "race")
    return answer


async def _recall(
    session: AsyncSession, table: Table, key: dict[str, str]
) -> tuple[str, str, str] | None:
    """The kept answer under `key`; one older than the retention is forgotten here (the
    periodic purge may not have reached it yet), so the key runs the command anew."""
    statements = _statements(table)
    row = (await session.execute(statements.recall, key)).first()
    if row is None:
        return None
    if row[3] < datetime.now(UTC) - RETENTION:
        await session.execute(statements.forget, key)
        return None
    return (row[0], row[1], row[2])


@dataclass(frozen=True)
class _Statements:
    """A table's statements, built once: one built per call had its cache key computed
    anew at each execution. The kept answer is written on the driver (`kit.prepared`);
    the recall reads a timestamp, which SQLAlchemy's result processing converts."""

    recall: Select[Any]
    forget: Delete
    keep: Prepared
    purge: Delete


@functools.cache
def _statements(table: Table) -> _Statements:
    c = table.c
    where = (
        c.tenant == bindparam("tenant"),
        c.actor == bindparam("actor"),
        c.key == bindparam("key"),
    )
    return _Statements(
        recall=select(c.request_type, c.request_hash, c.reply, c.created_at).where(*where),
        forget=delete(table).where(*where),
        keep=Prepared(insert(table)),
        purge=_purge_batch(table),
    )


def _replay(kept: tuple[str, str, str], request_type: str, request_hash: str, how: str) -> Replayed:
    kept_type, kept_hash, reply = kept
    if (kept_type, kept_hash) != (request_type, request_hash):
        IDEMPOTENT_REPLAYS.labels("key_reused").inc()
        raise ValidationFailed(
            "this Idempotency-Key was already used for another request",
            field="idempotencyKey",
        )
    IDEMPOTENT_REPLAYS.labels(how).inc()
    log.info("idempotency.replayed", how=how, request=request_type)
    return Replayed(reply)


PURGE_BATCH = 500
"""Answers forgotten per transaction by the purge."""


def purge_expired(table: Table) -> Callable[[Database], Awaitable[int]]:
    """A periodic job (`kit.runtime.PeriodicBatches`) forgetting answers older than the
    retention, PURGE_BATCH at a time, each batch its own transaction (the oldest first,
    by the `created_at` index): however many answers a busy day left, no statement holds
    the table, or SQLite's one connection (kit/sqlite_driver.py), for more than a batch.
    It records no events, so it returns 0 for the relay."""

    async def purge(db: Database) -> int:
        cutoff = datetime.now(UTC) - RETENTION
        while True:
            async with db.transaction() as session:
                result = await session.execute(_statements(table).purge, {"cutoff": cutoff})
            if cast(CursorResult[Any], result).rowcount < PURGE_BATCH:
                return 0

    return purge


def _purge_batch(table: Table) -> Delete:
    """The oldest PURGE_BATCH answers before `:cutoff`, by their key (a row value, which
    PostgreSQL and SQLite both compare). On PostgreSQL the batch is locked as it is
    chosen, skipping rows another replica's purge holds: replicas purge at the same hour,
    and two DELETEs locking the same rows in different orders would deadlock (SQLite,
    one writer, renders no lock clause)."""
    key = tuple_(table.c.tenant, table.c.actor, table.c.key)
    oldest = (
        select(table.c.tenant, table.c.actor, table.c.key)
        .where(table.c.created_at < bindparam("cutoff"))
        .order_by(table.c.created_at)
        .limit(PURGE_BATCH)
        .with_for_update(skip_locked=True)
    )
    return delete(table).where(key.in_(oldest))
