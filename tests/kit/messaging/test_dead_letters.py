"""Dead letters replayed after a fix: applied once, kept when they fail again."""

from __future__ import annotations

from nats.aio.client import Client
from sqlalchemy import select, update

from contracts.core import EventEnvelope
from kit.bus import ensure_event_stream
from kit.db import Database
from kit.ids import new_id
from kit.inbox import apply_once
from kit.replay import Replayed, replay_dead_letters
from kit.runtime import Subscription
from tests.infra.dead_letters import keep_as_dead_letter
from tests.kit.messaging.plumbing import (
    Recorder,
    applied,
    consumer_of,
    count,
    event,
    run_consumer,
    tables,
)


async def dead_letter(db: Database, ev: EventEnvelope, consumer: str) -> int:
    return await keep_as_dead_letter(db, tables, ev, consumer)


async def unreplayed(db: Database) -> list[int]:
    letters = tables.dead_letters
    async with db.transaction() as s:
        q = select(letters.c.id).where(letters.c.replayed_at.is_(None)).order_by(letters.c.id)
        return list((await s.execute(q)).scalars())


async def test_a_dead_letter_replayed_after_the_fix_is_applied_once(db: Database, nc: Client):
    js = nc.jetstream()
    await ensure_event_stream(js)
    kind = f"replay{new_id().hex}"
    ev = event(kind)
    await js.publish(ev.subject, ev.model_dump_json().encode())
    durable = f"r{kind}"
    broken = Recorder(fail_times=100)
    consumer = consumer_of(js, db, durable, ev.subject, broken, max_deliver=2)
    await run_consumer(consumer, lambda: consumer.dead_lettered == 1)
    async with db.transaction() as s:
        letter_id = (await s.execute(select(tables.dead_letters.c.id))).scalar_one()

    fixed = Recorder()
    [done] = await replay_dead_letters(db, tables, {durable: Subscription(durable, [], fixed)})
    assert done == Replayed(letter_id, durable, str(ev.event_id), "applied")
    assert fixed.calls == 1
    assert await count(db, applied) == 1
    assert await count(db, tables.inbox) == 1
    async with db.transaction() as s:
        kept = (await s.execute(select(tables.dead_letters))).one()
    assert kept.replayed_at is not None  # on record, no longer counted
    assert await unreplayed(db) == []
    # Nothing left to replay, and a redelivery of the event would find the inbox row.
    assert await replay_dead_letters(db, tables, {durable: Subscription(durable, [], fixed)}) == []
    assert not await apply_once(db, tables, durable, ev, fixed)
    assert fixed.calls == 1


async def test_a_replay_that_fails_again_keeps_the_dead_letter(db: Database):
    ev = event("still-broken")
    letter_id = await dead_letter(db, ev, "c1")
    still = Recorder(fail_times=1)
    [done] = await replay_dead_letters(
        db, tables, {"c1": Subscription("c1", [], still)}, ids=[letter_id]
    )
    assert (done.result, done.error) == ("failed", "RuntimeError: handler failed on purpose")
    assert await count(db, applied) == 0  # the handler's write rolled back
    assert await count(db, tables.inbox) == 0
    async with db.transaction() as s:
        row = (await s.execute(select(tables.dead_letters))).one()
    assert row.id == letter_id
    assert "Traceback" in row.error  # the new failure, with its stack
    # The next replay, with the handler now working, applies it.
    [again] = await replay_dead_letters(db, tables, {"c1": Subscription("c1", [], still)})
    assert again.result == "applied"
    assert await count(db, applied) == 1


async def test_replay_of_an_event_applied_since_only_removes_the_dead_letter(db: Database):
    ev = event("applied-since")
    await apply_once(db, tables, "c1", ev, Recorder())
    await dead_letter(db, ev, "c1")
    handler = Recorder()
    [done] = await replay_dead_letters(db, tables, {"c1": Subscription("c1", [], handler)})
    assert done.result == "already_applied"
    assert handler.calls == 0
    assert await count(db, applied) == 1
    assert await unreplayed(db) == []


async def test_replay_leaves_what_it_cannot_handle(db: Database):
    unknown = await dead_letter(db, event("orphan"), "gone-consumer")
    chosen = await dead_letter(db, event("chosen"), "c1")
    other = await dead_letter(db, event("other"), "c1")
    async with db.transaction() as s:
        await s.execute(
            update(tables.dead_letters).where(tables.dead_letters.c.id == other).values(payload="{")
        )
    typo = other + 1000
    done = await replay_dead_letters(
        db, tables, {"c1": Subscription("c1", [], Recorder())}, ids=[unknown, chosen, other, typo]
    )
    assert [(d.dead_letter_id, d.result) for d in done] == [
        (unknown, "unknown_consumer"),
        (chosen, "applied"),
        (other, "failed"),
        (typo, "not_found"),
    ]
    assert (done[2].error or "").startswith("unparseable event")
    assert await unreplayed(db) == [unknown, other]
