"""A delivery worker as its own process, for the kill test:
`python -m tests.kit.notify.worker_process DATABASE_URL SCHEMA SMTP_PORT`.
Prints its worker name, then delivers until killed."""

from __future__ import annotations

import asyncio
import sys

from kit.db import Database
from kit.notify import DeliveryWorker, EmailTransport, NotifySettings


def settings_for(smtp_port: int) -> NotifySettings:
    # One send at a time, so that when the test kills it at one message every
    # earlier message is already recorded as sent.
    return NotifySettings(
        email_mode="smtp",
        smtp_host="127.0.0.1",
        smtp_port=smtp_port,
        smtp_security="none",
        smtp_timeout=5.0,
        webhook_timeout=5.0,
        lease_seconds=6.0,
        concurrency=1,
        batch_size=10,
        poll_interval=0.2,
    )


async def main(url: str, schema: str, smtp_port: int) -> None:
    db = Database(url, schema=schema)
    settings = settings_for(smtp_port)
    worker = DeliveryWorker(db, [EmailTransport(settings)], settings)
    print(worker.name, flush=True)
    await worker.run(asyncio.Event())


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
