"""The archive's consumers of `engagement.created`: CPU per event, in process, on NATS.

    python -m bench.archive_consumers [--n 600] [--fetch 1,3,100] [--rounds 5]
                                      [--backend sqlite|postgresql|both] [--before TREE]

Every engagement.created reaches the archive. Before its one consumer it took two
(`archive-trace`: the ledger; `archive-filing`: the parties), each paying the per-event
fixed cost (fetch, parse, transaction, inbox row, ack); `bench.intake` times the
handlers without NATS and leaves that out. Here the tree's own
`services.archive.app.subscriptions` are run, every one of them whose subjects take
engagement.created, each as an `kit.consumer.EventConsumer` fetching `--fetch` events
at a time (no linger), on the real archive database (the migrations) and a local store.
The harness (rounds, trees, passes, clock, table) is bench/consumer_cost.py's.

Each pass: the stream purged and the durables deleted, `n` creations published (each of
a new engagement), the consumers declared (all untimed); then the clock runs until every
consumer has applied all `n`. Per fetch size a warm-up pass, the timed pass, and a
profiled pass (Python calls per event on the event loop's thread, cProfile).

Each round and tree runs in a fresh process and a fresh database (`--before TREE`:
that worktree's code, the two alternating, the order swapped each round), on one NATS
server and one PostgreSQL. CPU: `time.process_time` of the process (all its threads,
so aiosqlite's worker counts; PostgreSQL does not); beside it nats-server's CPU and
this process's NATS messages per event (as bench.consumer_cost reports them). Medians
over rounds, ranges beside them.
"""

from __future__ import annotations

import asyncio
import cProfile
import functools
import importlib.util
from collections.abc import Sequence
from contextlib import suppress
from pathlib import Path
from typing import Any
from uuid import uuid4

HERE = Path(__file__).resolve()
CREATED = "ecohost.events.engagement.created.v1"


def _takes_creations(subjects: Sequence[str]) -> bool:
    from contracts.core import EVERY_EVENT_SUBJECT

    return EVERY_EVENT_SUBJECT in subjects or CREATED in subjects


async def _publish(js: Any, n: int) -> None:
    """`n` creations, each of a new engagement (untimed)."""
    from bench.intake import _created
    from kit.logging import CORRELATION_HEADER

    for e in _created(n):
        await js.publish(
            e.subject,
            e.model_dump_json().encode(),
            headers={"Nats-Msg-Id": str(e.event_id), CORRELATION_HEADER: e.correlation_id},
        )


async def _pass(
    js: Any,
    db: Any,
    subs: Sequence[Any],
    n: int,
    fetch: int,
    profiler: cProfile.Profile | None,
    costs: Any,
) -> dict[str, float]:
    """One pass of `n` fresh events through every consumer; what it cost per event."""
    from nats.js.errors import NotFoundError

    from contracts.core import EVENT_STREAM
    from kit.consumer import EventConsumer
    from services.archive.models import messaging

    await js.purge_stream(EVENT_STREAM)
    for sub in subs:
        with suppress(NotFoundError):
            await js.delete_consumer(EVENT_STREAM, sub.durable)
    await _publish(js, n)
    finished = asyncio.Event()
    consumers: list[EventConsumer] = []

    for sub in subs:
        # As `Subscription.consumer` builds it, written out: a before tree has no
        # such function, and this runs against one.
        consumer = EventConsumer(
            js=js,
            db=db,
            tables=messaging,
            durable=sub.durable,
            filter_subjects=sub.subjects,
            handler=sub.handler,
            events=sub.events,
            batch=fetch,
            batch_handler=sub.batch_handler,
        )
        await consumer.declare()  # outside the clock: once per consumer's life
        consumers.append(consumer)
    measured: dict[str, float] = await _harness().timed_run(
        consumers, finished, n, fetch, profiler, costs
    )
    return measured


async def _child(
    nats_url: str, nats_pid: int, db_url: str, n: int, fetches: Sequence[int], tmp: Path
) -> Any:
    import nats

    import kit
    from kit.bus import ensure_event_stream
    from kit.storage.local import LocalStore
    from services.archive import app
    from services.archive.catalogue.deps import CatalogueDeps
    from services.archive.ledger.signing import signer_from_seed
    from services.archive.settings import ArchiveSettings
    from tests.infra.databases import migrated_database

    store = LocalStore(tmp / f"objects-{uuid4().hex[:8]}", signing_key=b"k", base_url="http://x")
    signer = signer_from_seed("bench.ecohost/ledger", "B" * 43 + "=")
    deps = CatalogueDeps(store=store, settings=ArchiveSettings(), signer=signer)
    subs = [s for s in app.subscriptions(deps) if _takes_creations(s.subjects)]
    result: dict[str, Any] = {"kit": kit.__file__, "consumers": [s.durable for s in subs]}
    nc = await nats.connect(nats_url)
    costs = _harness().Costs(nc, nats_pid)
    try:
        js = nc.jetstream()
        await ensure_event_stream(js)
        async with migrated_database(db_url, "archive", app.MIGRATIONS) as db:

            async def one_pass(
                kind: str, count: int, fetch: int, profiler: cProfile.Profile | None
            ) -> dict[str, float]:
                return await _pass(js, db, subs, count, fetch, profiler, costs)

            result.update(await _harness().per_fetch(fetches, n, one_pass))
    finally:
        await nc.close()
    return result


@functools.cache
def _harness() -> Any:
    """bench/consumer_cost.py beside this file, loaded by its path: a child runs with
    another tree first on the import path, whose bench may not have the harness yet."""
    spec = importlib.util.spec_from_file_location(
        "consumer_cost", HERE.with_name("consumer_cost.py")
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> None:
    harness = _harness()
    args = harness.parser(__doc__ or "", n=600).parse_args()
    if args.child:
        fetches = harness.fetch_sizes(args)
        child = _child(args.nats, args.nats_pid, args.db, args.n, fetches, Path(args.tmp))
        harness.run_child(child)
        return
    harness.compare(
        args,
        script=HERE,
        label="archive-consumers",
        title="the archive's consumers of engagement.created, CPU per event",
    )


if __name__ == "__main__":
    main()
