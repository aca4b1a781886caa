"""`kit.idempotency.run_once` on both databases: a command under one key runs once, its
answer kept with it; a reuse for other input is refused; answers past the retention
are forgotten and purged; a concurrent send of the key answers with the winner's."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import event, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.core import Contract, ValidationFailed
from kit import idempotency
from kit.db import Database
from kit.rpc import CallContext, IdempotencyScope, RawReply
from tests.kit.messaging.plumbing import applied, tables

CTX = CallContext(actor="alice", tenant="agency:1", correlation_id="c", idempotency_key="k1")


class Order(Contract):
    item: str


class Placed(Contract):
    order_id: str
    item: str


class Orders:
    """A command that writes one `applied` row per run and says which run it was."""

    def __init__(self) -> None:
        self.runs = 0

    def place(self, order: Order) -> Callable[[AsyncSession], Awaitable[Placed]]:
        async def command(session: AsyncSession) -> Placed:
            self.runs += 1
            await session.execute(insert(applied), {"event_id": UUID(int=self.runs), "note": "x"})
            return Placed(order_id=f"run-{self.runs}", item=order.item)

        return command


async def applied_rows(db: Database) -> int:
    async with db.transaction() as session:
        return int((await session.execute(select(func.count()).select_from(applied))).scalar_one())


@pytest.fixture
async def orders() -> Orders:
    return Orders()


def replays(how: str) -> float:
    return float(REGISTRY.get_sample_value("ecohost_idempotent_replays_total", {"how": how}) or 0)


async def test_a_key_runs_the_command_once_and_answers_the_same(db: Database, orders: Orders):
    order = Order(item="valve")
    before = replays("retry")
    first = await idempotency.run_once(db, tables.idempotency, CTX, order, orders.place(order))
    again = await idempotency.run_once(db, tables.idempotency, CTX, order, orders.place(order))
    assert replays("retry") == before + 1  # operations see retries of committed commands

    assert first == Placed(order_id="run-1", item="valve")
    assert isinstance(again, RawReply)
    assert again.json == first.model_dump_json()
    assert orders.runs == 1
    assert await applied_rows(db) == 1


async def test_the_key_is_the_callers(db: Database, orders: Orders):
    order = Order(item="valve")
    await idempotency.run_once(db, tables.idempotency, CTX, order, orders.place(order))
    for other in (
        CallContext(actor="bob", tenant="agency:1", correlation_id="c", idempotency_key="k1"),
        CallContext(actor="alice", tenant="agency:2", correlation_id="c", idempotency_key="k1"),
    ):
        answer = await idempotency.run_once(
            db, tables.idempotency, other, order, orders.place(order)
        )
        assert isinstance(answer, Placed)
    assert orders.runs == 3


async def test_a_reuse_for_other_input_is_refused_and_runs_nothing(db: Database, orders: Orders):
    await idempotency.run_once(
        db, tables.idempotency, CTX, Order(item="valve"), orders.place(Order(item="valve"))
    )
    with pytest.raises(ValidationFailed) as refused:
        await idempotency.run_once(
            db, tables.idempotency, CTX, Order(item="pump"), orders.place(Order(item="pump"))
        )
    assert refused.value.field == "idempotencyKey"
    assert orders.runs == 1
    assert await applied_rows(db) == 1


async def test_an_answer_past_the_retention_is_forgotten(db: Database, orders: Orders):
    order = Order(item="valve")
    await idempotency.run_once(db, tables.idempotency, CTX, order, orders.place(order))
    async with db.transaction() as session:
        await session.execute(
            tables.idempotency.update().values(
                created_at=datetime.now(UTC) - idempotency.RETENTION - timedelta(minutes=1)
            )
        )

    later = await idempotency.run_once(db, tables.idempotency, CTX, order, orders.place(order))

    assert later == Placed(order_id="run-2", item="valve")  # run again, kept anew
    again = await idempotency.run_once(db, tables.idempotency, CTX, order, orders.place(order))
    assert isinstance(again, RawReply)
    assert again.json == later.model_dump_json()
    assert orders.runs == 2


async def kept_answers(db: Database, ages: dict[str, timedelta]) -> list[str]:
    """Answers kept `ages` ago (by key) written, the purge run: the keys left."""
    now = datetime.now(UTC)
    rows = [
        {
            "tenant": "agency:1",
            "actor": "alice",
            "key": key,
            "request_type": "Order",
            "request_hash": "0" * 64,
            "reply": "{}",
            "created_at": now - age,
        }
        for key, age in ages.items()
    ]
    async with db.transaction() as session:
        await session.execute(insert(tables.idempotency), rows)
    assert await idempotency.purge_expired(tables.idempotency)(db) == 0  # no events
    async with db.transaction() as session:
        return list((await session.execute(select(tables.idempotency.c.key))).scalars())


async def test_the_purge_forgets_only_what_is_past_the_retention(db: Database):
    ages = {"old": idempotency.RETENTION + timedelta(hours=1), "young": timedelta(hours=1)}
    assert await kept_answers(db, ages) == ["young"]


async def test_the_purge_forgets_in_batches_each_its_own_transaction(
    db: Database, monkeypatch: pytest.MonkeyPatch
):
    """More expired answers than a batch: all forgotten, PURGE_BATCH per transaction
    (the oldest first), the young one kept."""
    monkeypatch.setattr(idempotency, "PURGE_BATCH", 3)
    idempotency._statements.cache_clear()  # built with the batch size
    old = idempotency.RETENTION + timedelta(hours=1)
    ages = {f"old-{i}": old + timedelta(minutes=i) for i in range(7)}
    commits: list[object] = []
    count = commits.append  # one bound method: the listener removed is the one added
    event.listen(db.engine.sync_engine, "commit", count)
    try:
        kept = await kept_answers(db, ages | {"young": timedelta(hours=1)})
    finally:
        event.remove(db.engine.sync_engine, "commit", count)
        idempotency._statements.cache_clear()  # built with the batch size

    assert kept == ["young"]
    assert len(commits) == 5  # the rows written, 3 + 3 + 1 forgotten, the keys read


async def test_a_concurrent_send_of_the_key_answers_with_the_winners(
    db: Database, database_url: str, orders: Orders
):
    """Both sends read no answer and ran; the one that commits second finds the other's
    row as it records its own: its writes roll back and it answers with the winner's."""
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite has one writer: a second send waits for the first to commit")
    order = Order(item="valve")
    first_may_commit = asyncio.Event()
    second_ran = asyncio.Event()

    def slow_place(order: Order) -> Callable[[AsyncSession], Awaitable[Placed]]:
        inner = orders.place(order)

        async def command(session: AsyncSession) -> Placed:
            placed = await inner(session)
            second_ran.set()
            await first_may_commit.wait()
            return placed

        return command

    other_db = Database(database_url)
    try:
        first = asyncio.create_task(
            idempotency.run_once(db, tables.idempotency, CTX, order, slow_place(order))
        )
        await second_ran.wait()  # the first ran and holds its transaction open

        async def second() -> Placed | RawReply:
            return await idempotency.run_once(
                other_db, tables.idempotency, CTX, order, orders.place(order)
            )

        racing = asyncio.create_task(second())
        await asyncio.sleep(0.5)  # the second ran and committed while the first waits
        first_may_commit.set()
        answers = [await first, await racing]
    finally:
        await other_db.dispose()

    assert orders.runs == 2  # both ran
    assert isinstance(answers[0], RawReply)  # the first committed second and lost
    assert answers[1] == Placed(order_id="run-2", item="valve")
    assert answers[0].json == answers[1].model_dump_json()
    assert await applied_rows(db) == 1  # the loser's writes rolled back


def test_each_command_of_a_mutation_gets_its_own_key():
    """A mutation sending two commands (or one twice) gives each its own derived key,
    and its retry derives the same keys in the same order."""
    keys = []
    for _ in range(2):  # the first send and its retry
        scope = IdempotencyScope("k1|createThing")
        keys.append(
            [
                scope.key_for("ecohost.rpc.a.x"),
                scope.key_for("ecohost.rpc.a.x"),
                scope.key_for("ecohost.rpc.b.y"),
            ]
        )
    assert keys[0] == keys[1]
    assert keys[0] == [
        "k1|createThing|ecohost.rpc.a.x",
        "k1|createThing|ecohost.rpc.a.x#1",
        "k1|createThing|ecohost.rpc.b.y",
    ]
    long = IdempotencyScope("k" * 500).key_for("ecohost.rpc.a.x")
    assert len(long) == 64  # hashed to fit the services' column
