"""`ecohost events export|restore`: the JetStream part of a backup (docs/operations.md).

Export reads the event stream through the JetStream API (an ordered consumer) into a
JSON-lines file, one message with its headers a line. Restore, on a fresh stack whose
databases were restored from a dump, reconciles that file with the restored
outboxes (the outbox is the source of every event, kept after sending):

- an exported event whose id is in a restored outbox is published again, with its
  `Nats-Msg-Id`, so the consumers (recreated from the start of the stream, their
  inboxes restored) apply whatever the dump had not applied yet, and skip the rest;
- an exported event in no restored outbox was committed after the dump was taken:
  the restored system never made it, so it is dropped (and counted);
- a restored outbox row marked sent whose event is not in the file was published
  after the export: it is marked unsent, and the service's relay publishes it.

So the order of the two backups does not matter, and nothing the restored database
knows of is missing from the stream or delivered to anyone without its cause.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
from pathlib import Path
from typing import Any
from uuid import UUID

EVENT_ID_HEADER = "Nats-Msg-Id"


def add_parser(sub: Any) -> None:
    events = sub.add_parser("events", help="export the event stream, restore it after a dump")
    cmds = events.add_subparsers(dest="events_command", required=True)
    export = cmds.add_parser("export", help="write every message of the event stream to FILE")
    export.add_argument("file", type=Path)
    restore = cmds.add_parser(
        "restore",
        help="publish FILE's events the restored outboxes know, drop the others, and "
        "mark unsent the outbox rows FILE lacks (run before starting the services)",
    )
    restore.add_argument("file", type=Path)


def run(args: argparse.Namespace) -> int:
    match args.events_command:
        case "export":
            result = asyncio.run(export_events(args.file))
        case "restore":
            result = asyncio.run(restore_events(args.file))
        case _:
            return 2
    print(json.dumps(result, indent=2))
    return 0


def _settings() -> Any:
    from services.engagement.settings import EngagementSettings

    return EngagementSettings()


async def export_events(path: Path) -> dict[str, int]:
    """Every message of the stream up to its last sequence at the start, in order."""
    from nats.js.errors import NotFoundError

    from contracts.core import EVENT_STREAM
    from kit.bus import connect

    nc = await connect(_settings(), name="ecohost-events-export", attempts=3)
    written = 0
    try:
        js = nc.jetstream()
        state = (await js.stream_info(EVENT_STREAM)).state
        last = state.last_seq
        tmp = path.with_suffix(path.suffix + ".partial")
        with tmp.open("w") as out:
            # One direct read per sequence: simple and bounded (a gap is skipped).
            for seq in range(state.first_seq or 1, last + 1) if last else ():
                try:
                    msg = await js.get_msg(EVENT_STREAM, seq)
                except NotFoundError:
                    continue
                line = {
                    "subject": msg.subject,
                    "headers": msg.headers or {},
                    "data": base64.b64encode(msg.data or b"").decode(),
                }
                out.write(json.dumps(line) + "\n")
                written += 1
        tmp.replace(path)  # a file that exists is a whole export
    finally:
        await nc.close()
    return {"exported": written, "last_sequence": last}


async def restore_events(path: Path) -> dict[str, int]:
    from sqlalchemy import select, update

    from cli.commands import service_app, service_runtime
    from cli.stack import SERVICES
    from kit.bus import connect, ensure_event_stream

    lines = await asyncio.to_thread(path.read_text)
    exported = [json.loads(line) for line in lines.splitlines() if line]
    in_file = {UUID(m["headers"][EVENT_ID_HEADER]) for m in exported}
    known: set[UUID] = set()
    marked_unsent = 0
    for name in SERVICES:
        async with service_runtime(service_app(name)) as runtime:
            outbox = runtime.tables.outbox
            async with runtime.db.transaction() as session:
                rows = await session.execute(select(outbox.c.event_id, outbox.c.sent_at))
                missing = []
                for event_id, sent_at in rows:
                    known.add(event_id)
                    if sent_at is not None and event_id not in in_file:
                        missing.append(event_id)
                for i in range(0, len(missing), 1000):
                    chunk = missing[i : i + 1000]
                    await session.execute(
                        update(outbox).where(outbox.c.event_id.in_(chunk)).values(sent_at=None)
                    )
                marked_unsent += len(missing)
    settings = _settings()
    nc = await connect(settings, name="ecohost-events-restore", attempts=3)
    published = dropped = 0
    try:
        js = nc.jetstream()
        await ensure_event_stream(js, replicas=settings.stream_replicas)
        for message in exported:
            if UUID(message["headers"][EVENT_ID_HEADER]) not in known:
                dropped += 1
                continue
            await js.publish(
                message["subject"],
                base64.b64decode(message["data"]),
                headers=message["headers"],
            )
            published += 1
    finally:
        await nc.close()
    return {"published": published, "dropped": dropped, "marked_unsent": marked_unsent}
