"""A durable consumer's events over one long-lived pull request ("consume").

nats-py 2.16's `PullSubscription.fetch(n)` sends a `no_wait` probe per call, receives a
"no messages" status after the events, and when the probe found nothing sends a second,
lingering request that ends in a 408: three or four NATS messages per fetch besides the
events and their acks, each a read, a parse and a wake-up here and work for nats-server.
At the 1-3 events a fetch brings in a burst that was most of a consumer's fixed cost
(docs/BENCHMARKS.md §17). Newer NATS clients "consume" instead, and so does `Pull`:

- one subscription to an inbox of its own, and a pull request for `size` events
  (`<api>.CONSUMER.MSG.NEXT.<stream>.<durable>`) that stays open for `EXPIRES`: events
  are delivered as they are published, into `held`, in order;
- a new request for what is missing once the events owed (requested, not delivered)
  and held (delivered, not taken) fall below half of `size`, and a fresh one shortly
  before the newest request expires, so there is no gap;
- the server's statuses: 100, an idle heartbeat (the request is alive); 404 and 408, a
  request ended (what it still owed, its `Nats-Pending-Messages`, is owed no more);
  anything else (409: consumer deleted, leadership change, "Exceeded MaxWaiting",
  "Consumer is push based"; 503: nobody answers for JetStream) ends the pull:
  `PullFailed`, for the caller to re-declare and re-bind;
- a request the server forgot without a word (the node holding it died, or this
  connection was re-established elsewhere) shows as no heartbeat for
  `MISSED_HEARTBEATS` intervals, or as a reconnect: everything owed is asked again.
  Asking too much is harmless (the server delivers at most `max_ack_pending`
  unanswered events); asking too little would stall the consumer.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections import deque

from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from nats.js import JetStreamContext

from kit.logging import get_logger

log = get_logger(__name__)

EXPIRES = 30.0
"""Seconds a pull request stays open on the server (nats.go's default for Consume)."""

IDLE_HEARTBEAT = 3.0
"""Seconds without events after which the server says the request is still there.
Idle, that is one message every 3 s per consumer, where fetching polled with four a
second; the silence that counts as a lost request is MISSED_HEARTBEATS of them."""

MISSED_HEARTBEATS = 2

RENEW_BEFORE = IDLE_HEARTBEAT
"""Seconds before the newest request expires that a fresh one is sent."""

CLOSE_TIMEOUT = 2.0
"""Longest wait, when closing, for the server to confirm that nothing more is coming."""

STATUS = "Status"  # nats-py's header names for a status line (`NATS/1.0 408 ...`)
DESCRIPTION = "Description"
PENDING_MESSAGES = "Nats-Pending-Messages"  # what an ended request still owed


class PullFailed(Exception):
    """The server ended the pull in a way a new request alone does not mend."""


class Pull:
    """The events delivered to one durable pull consumer, kept requested.

    `take` hands them over oldest first; `close` stops the deliveries and returns what
    was delivered and not taken, for the caller to give back (nak)."""

    def __init__(self, js: JetStreamContext, stream: str, durable: str, size: int) -> None:
        if size < 1:
            raise ValueError("a pull request asks for at least one event")
        # nats-py has no public accessor for either: the connection and the API prefix
        # (`$JS.API`, or a domain's) its own PullSubscription uses.
        self._nc = js._nc
        self._next = f"{js._prefix}.CONSUMER.MSG.NEXT.{stream}.{durable}"
        self._size = size
        self._inbox = self._nc.new_inbox()
        self._sub: Subscription | None = None
        self.held: deque[Msg] = deque()
        self._owed = 0
        self._heard = 0.0  # when the server last sent anything to the inbox
        self._renew_at = 0.0  # when the newest request is about to expire
        self._reconnects = self._nc.stats["reconnects"]
        self._failure: PullFailed | None = None
        self._waiter: asyncio.Future[None] | None = None
        self.requests = 0  # pull requests sent (tests and benches read it)

    async def open(self) -> None:
        self._sub = await self._nc.subscribe(self._inbox, cb=self._arrived)
        await self._request(self._size)

    async def take(self, most: int, wait: float | None = None) -> list[Msg]:
        """Up to `most` events, oldest first. With none held, waits for the first at
        most `wait` seconds (by default a heartbeat interval, to look after the request)
        or until `wake`, then returns what is there, perhaps nothing. Raises PullFailed
        once the server ended the pull."""
        if self._failure is not None:
            raise self._failure
        if not self.held:
            await self._keep_requested()
            if not self.held:
                most_wait = IDLE_HEARTBEAT if wait is None else wait
                await self._wait(min(most_wait, max(0.0, self._renew_at - time.monotonic())))
        msgs = [self.held.popleft() for _ in range(min(most, len(self.held)))]
        if msgs:
            try:
                # Ask for more now, while the caller works these through.
                await self._keep_requested()
            except Exception as exc:  # the next take meets it again, before any events
                log.debug("consumer.pull_request_failed", subject=self._next, error=repr(exc))
        return msgs

    def wake(self) -> None:
        """End a `take`'s wait now (the caller is stopping)."""
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    async def close(self) -> list[Msg]:
        """Unsubscribe and return the events held. Draining first lets the events the
        server sent before it saw the unsubscribe arrive here (to be given back) rather
        than be dropped and wait out their ack wait."""
        if self._sub is not None:
            sub, self._sub = self._sub, None
            try:
                async with asyncio.timeout(CLOSE_TIMEOUT):
                    await sub.drain()  # type: ignore[no-untyped-call]
            except Exception:
                with contextlib.suppress(Exception):
                    await sub.unsubscribe()
        left = list(self.held)
        self.held.clear()
        return left

    async def _keep_requested(self) -> None:
        now = time.monotonic()
        reconnects = self._nc.stats["reconnects"]
        silent = now - self._heard > MISSED_HEARTBEATS * IDLE_HEARTBEAT
        if reconnects != self._reconnects or (self._owed and silent):
            # The server may have forgotten every request: ask for all of it again.
            log.debug(
                "consumer.pull_renewed",
                subject=self._next,
                reconnected=reconnects != self._reconnects,
                silent=silent,
            )
            self._reconnects = reconnects
            self._owed = 0
        outstanding = self._owed + len(self.held)
        if outstanding < self._size // 2 or outstanding == 0:
            await self._request(self._size - outstanding)
        elif now >= self._renew_at:
            # What the newest request still owes ends with its 408 in RENEW_BEFORE.
            await self._request(max(1, self._size - len(self.held)))

    async def _request(self, events: int) -> None:
        now = time.monotonic()
        body = {
            "batch": events,
            "expires": int(EXPIRES * 1e9),
            "idle_heartbeat": int(IDLE_HEARTBEAT * 1e9),
        }
        await self._nc.publish(self._next, json.dumps(body).encode(), reply=self._inbox)
        self.requests += 1
        self._owed += events
        self._heard = now  # the heartbeats' clock starts with the request
        self._renew_at = now + EXPIRES - RENEW_BEFORE

    async def _wait(self, seconds: float) -> None:
        loop = asyncio.get_running_loop()
        self._waiter = loop.create_future()
        timer = loop.call_later(seconds, self.wake)
        try:
            await self._waiter
        finally:
            timer.cancel()
            self._waiter = None

    async def _arrived(self, msg: Msg) -> None:
        """Every message to the inbox, in the order the server sent them."""
        self._heard = time.monotonic()
        headers = msg.headers
        status = headers.get(STATUS) if headers else None
        if status is None:
            self._owed = max(0, self._owed - 1)
            self.held.append(msg)
        elif status in ("404", "408"):
            assert headers is not None
            # Without the count, take the whole of it as ended: asking again is harmless.
            ended = int(headers.get(PENDING_MESSAGES, self._owed))
            self._owed = max(0, self._owed - ended)
        elif status != "100":
            assert headers is not None
            description = next((v for k, v in headers.items() if k == DESCRIPTION), "")
            self._failure = PullFailed(f"{status} {description}".strip())
        else:
            return  # an idle heartbeat: nothing for the taker
        self.wake()
