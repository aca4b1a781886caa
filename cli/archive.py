"""`ecohost archive verify`: re-hash every archived object against its recorded SHA-256.

Reads the archive's database and storage directly (settings `ECOHOST_ARCHIVE_*` and
`ECOHOST_ARCHIVE_STORAGE_*`), so it works while the services are down. Exit 1 on any
mismatch; the report (JSON) names each bad item.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from typing import Any, TextIO


def add_parser(sub: Any) -> None:
    archive = sub.add_parser("archive", help="check the archive's stored objects")
    cmds = archive.add_subparsers(dest="archive_command", required=True)
    verify = cmds.add_parser(
        "verify", help="re-hash every object (streaming) against its recorded SHA-256"
    )
    verify.add_argument("--quiet", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    result = asyncio.run(_verify(quiet=args.quiet))
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0 if result["valid"] else 1


class ProgressBar:
    """A one-line bar on stderr, redrawn at most ten times a second."""

    def __init__(self, total: int, out: TextIO = sys.stderr, width: int = 30) -> None:
        self.total, self.done, self.out, self.width = max(total, 1), 0, out, width
        self._drawn = 0.0

    def __call__(self, n: int) -> None:
        self.done += n
        now = time.monotonic()
        if now - self._drawn >= 0.1 or self.done >= self.total:
            self._drawn = now
            filled = self.width * min(self.done, self.total) // self.total
            mib = self.done / 2**20
            bar = "#" * filled + "-" * (self.width - filled)
            self.out.write(f"\r[{bar}] {mib:,.1f} / {self.total / 2**20:,.1f} MiB")
            self.out.flush()

    def close(self) -> None:
        self.out.write("\n")
        self.out.flush()


async def _verify(*, quiet: bool) -> dict[str, Any]:
    from services.archive import app
    from services.archive.catalogue.audit import verify_objects
    from services.archive.catalogue.repository import filed_items

    runtime = app.build()
    try:
        async with runtime.db.transaction() as session:
            items = await filed_items(session)
    finally:
        await runtime.db.dispose()
    store = await app.open_storage()
    if quiet:
        return (await verify_objects(items, store)).as_dict()
    bar = ProgressBar(sum(i.size for i in items if i.status == "filed"))
    try:
        return (await verify_objects(items, store, bar)).as_dict()
    finally:
        bar.close()
