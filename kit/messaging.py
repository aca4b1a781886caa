"""The outbox, inbox and dead-letter tables that every service carries in its own database.

- outbox: events written in the same transaction as the state change they describe;
  the relay publishes them to JetStream afterwards (nothing lost, see `kit.outbox`).
- inbox: ids of events a consumer has applied, written in the same transaction as
  the consumer's own writes (nothing applied twice, see `kit.consumer`).
- dead_letters: events a consumer gave up on after its bounded retries, kept so an
  operator can see and replay them.
- idempotency: the answers of commands sent with an idempotency key, written in the
  command's own transaction, so a retry gets the first answer instead of running the
  command again (`kit.idempotency`).

Their migration steps are kit's own (`kit/migrations/`, see `kit.migrate`): a change
here is one new step there, applied to every service's database.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    BigInteger,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    Uuid,
)

from kit.db import UtcDateTime

IDEMPOTENCY_KEY_WIDTH = 400
"""Characters the services keep of a command's idempotency key (`kit.rpc` derives keys
that fit)."""

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a bigint identity.
_SEQ = BigInteger().with_variant(Integer(), "sqlite")


@dataclass(frozen=True)
class MessagingTables:
    outbox: Table
    inbox: Table
    dead_letters: Table
    idempotency: Table


def messaging_tables(metadata: MetaData) -> MessagingTables:
    outbox = Table(
        "outbox",
        metadata,
        Column("seq", _SEQ, primary_key=True, autoincrement=True),
        Column("event_id", Uuid, nullable=False, unique=True),
        Column("subject", String(255), nullable=False),
        Column("payload", Text, nullable=False),
        Column("correlation_id", String(64), nullable=False),
        Column("created_at", UtcDateTime, nullable=False),
        Column("sent_at", UtcDateTime, nullable=True),
        Column("attempts", Integer, nullable=False, default=0),
        Column("last_error", Text, nullable=True),
        # The W3C trace context (`traceparent`, `tracestate`) current when the event
        # was recorded, as JSON: the relay sends it as NATS headers so the consumers'
        # spans join the request's trace. Null when there was none: with tracing off
        # a service neither makes spans nor passes a received trace context on (its
        # RPC server and consumers skip the no-op span that used to carry it).
        Column("trace_context", Text, nullable=True),
    )
    Index(
        "ix_outbox_unsent",
        outbox.c.seq,
        postgresql_where=outbox.c.sent_at.is_(None),
        sqlite_where=outbox.c.sent_at.is_(None),
    )
    inbox = Table(
        "inbox",
        metadata,
        Column("consumer", String(100), primary_key=True),
        Column("event_id", Uuid, primary_key=True),
        Column("event_type", String(255), nullable=False),
        Column("processed_at", UtcDateTime, nullable=False),
    )
    dead_letters = Table(
        "dead_letters",
        metadata,
        Column("id", _SEQ, primary_key=True, autoincrement=True),
        Column("consumer", String(100), nullable=False),
        Column("event_id", Uuid, nullable=True),
        Column("subject", String(255), nullable=False),
        Column("payload", Text, nullable=False),
        Column("error", Text, nullable=False),
        Column("deliveries", Integer, nullable=False),
        Column("failed_at", UtcDateTime, nullable=False),
        Column("replayed_at", UtcDateTime, nullable=True),
    )
    idempotency = Table(
        "idempotency",
        metadata,
        # Keys are the caller's: the same key from another tenant or user is another key.
        Column("tenant", String(200), primary_key=True),
        Column("actor", String(200), primary_key=True),
        Column("key", String(IDEMPOTENCY_KEY_WIDTH), primary_key=True),
        # What the key was first used for: a reuse for another request is refused.
        Column("request_type", String(200), nullable=False),
        Column("request_hash", String(64), nullable=False),
        Column("reply", Text, nullable=False),
        Column("created_at", UtcDateTime, nullable=False),
    )
    Index("ix_idempotency_created_at", idempotency.c.created_at)
    return MessagingTables(
        outbox=outbox, inbox=inbox, dead_letters=dead_letters, idempotency=idempotency
    )
