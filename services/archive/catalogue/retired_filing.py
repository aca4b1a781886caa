"""The upgrade from the archive's two consumers to one: the retired filing durable
(`archive-filing`), where a deployment still has it, is drained, then deleted.

The one consumer keeps the ledger's durable and position, so whatever the filing
consumer had not reached when the trace had (filing lagging the trace) is filed here,
by the retired consumer's own handler, inbox and dead letters. Where the trace lags
filing, the one consumer files again what was filed: filing is idempotent by its own
key (parties by engagement, an item by its source event), so nothing is filed twice.
The durable is deleted once it has nothing left to deliver and nothing unacknowledged.

Checked every `CHECK_EVERY` seconds, not only at start: during a rolling update an old
replica still running re-creates the durable when it finds it gone, and the events it
traces without filing are then filed here. Where the durable does not exist (a new
deployment, or a finished upgrade) a check is one request to the server."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Coroutine
from typing import Any

from nats.errors import TimeoutError as NatsTimeoutError
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from contracts.core import EVENT_STREAM
from kit.db import Database
from kit.logging import get_logger
from kit.messaging import MessagingTables
from kit.runtime import ServiceRuntime, Subscription

log = get_logger(__name__)

CHECK_EVERY = 60.0
FETCH = 100
FETCH_TIMEOUT = 1.0


async def drain(
    js: JetStreamContext,
    db: Database,
    tables: MessagingTables,
    retired: Subscription,
    stop: asyncio.Event,
    **consumer_options: Any,
) -> bool:
    """Apply what the retired durable still holds, then delete it (unless stopped
    first); False when there is no such durable. Bound to the existing durable, never
    declared: a declaration would create it anew and deliver the whole stream again."""
    try:
        await js.consumer_info(EVENT_STREAM, retired.durable)
    except NotFoundError:
        return False
    consumer = retired.consumer(js, db, tables, **consumer_options)
    log.info("archive.retired_filing_draining", consumer=retired.durable)
    pull = await js.pull_subscribe_bind(durable=retired.durable, stream=EVENT_STREAM)
    try:
        while not stop.is_set():
            try:
                msgs = await pull.fetch(FETCH, timeout=FETCH_TIMEOUT)
            except (TimeoutError, NatsTimeoutError):
                info = await js.consumer_info(EVENT_STREAM, retired.durable)
                if info.num_pending or info.num_ack_pending:
                    continue  # retries waiting, or another replica's fetch in hand
                await js.delete_consumer(EVENT_STREAM, retired.durable)
                log.info("archive.retired_filing_deleted", consumer=retired.durable)
                return True
            if len(msgs) > 1:
                await consumer.process_batch(msgs, stop)
            else:
                await consumer.process(msgs[0])
    finally:
        await pull.unsubscribe()
    return True


def drainer(
    runtime: ServiceRuntime, retired: Subscription
) -> Callable[[asyncio.Event], Coroutine[Any, Any, None]]:
    """The background loop of the archive: `drain` now, then every CHECK_EVERY seconds."""

    async def loop(stop: asyncio.Event) -> None:
        settings = runtime.settings
        while not stop.is_set():
            try:
                await drain(
                    runtime.js_ctx,
                    runtime.db,
                    runtime.tables,
                    retired,
                    stop,
                    max_deliver=settings.consumer_max_deliver,
                    ack_wait=settings.consumer_ack_wait,
                    after_commit=runtime.relay.notify if runtime.relay else None,
                )
            except Exception as exc:  # the next check tries again
                log.warning("archive.retired_filing_failed", error=repr(exc))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), CHECK_EVERY)

    return loop
