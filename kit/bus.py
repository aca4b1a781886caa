"""NATS connection and the JetStream event stream.

The connection reconnects forever (a service outlives a NATS restart); the first
connect is retried with backoff so that processes may start in any order.
"""

from __future__ import annotations

import asyncio

import nats
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import StorageType, StreamConfig
from nats.js.errors import BadRequestError

from contracts.core import EVENT_STREAM, EVERY_EVENT_SUBJECT
from kit.logging import get_logger
from kit.settings import ProcessSettings

log = get_logger(__name__)

# JetStream drops a second message with the same Nats-Msg-Id inside this window; the
# outbox relay relies on it when it republishes after a crash.
DUPLICATE_WINDOW_SECONDS = 15 * 60.0


async def connect(settings: ProcessSettings, *, name: str, attempts: int = 0) -> Client:
    """Connect to NATS, retrying the first connect (`attempts=0`: forever)."""

    async def on_disconnected() -> None:
        log.warning("nats.disconnected", client=name)

    async def on_reconnected() -> None:
        log.info("nats.reconnected", client=name)

    async def on_error(exc: Exception) -> None:
        log.warning("nats.error", client=name, error=str(exc) or type(exc).__name__)

    tried = 0
    while True:
        tried += 1
        try:
            return await nats.connect(
                servers=settings.nats_servers,
                name=name,
                connect_timeout=max(1, int(settings.nats_connect_timeout)),
                reconnect_time_wait=1,
                max_reconnect_attempts=-1,
                disconnected_cb=on_disconnected,
                reconnected_cb=on_reconnected,
                error_cb=on_error,
            )
        except Exception as exc:
            if attempts and tried >= attempts:
                raise
            delay = min(5.0, 0.25 * 2**tried)
            log.warning("nats.connect_failed", client=name, error=str(exc), retry_in=delay)
            await asyncio.sleep(delay)


def event_stream_config(*, replicas: int = 1) -> StreamConfig:
    return StreamConfig(
        name=EVENT_STREAM,
        description="Every ecohost domain event, published by the services' outbox relays.",
        subjects=[EVERY_EVENT_SUBJECT],
        storage=StorageType.FILE,
        num_replicas=replicas,
        duplicate_window=DUPLICATE_WINDOW_SECONDS,
    )


async def ensure_event_stream(js: JetStreamContext, *, replicas: int = 1) -> None:
    """Create the event stream, or bring an existing one to this configuration.

    Every service calls this on start, so whichever starts first creates it.
    """
    config = event_stream_config(replicas=replicas)
    try:
        await js.add_stream(config)
    except BadRequestError:
        # Already exists with a different configuration: update what may change.
        await js.update_stream(config)
