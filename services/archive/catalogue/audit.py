"""`ecohost archive verify`: re-hash every archived object against the SHA-256 recorded
when it was filed. Bytes swapped, truncated or lost in storage show up here, whichever
backend holds them; so do the bytes of a destroyed item still stored."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from contracts.archive.enums import ItemStatus
from kit.storage import ObjectNotFound, ObjectStore
from services.archive.catalogue.models import ArchiveItem

Progress = Callable[[int], None]
"""Called with the number of bytes just hashed."""


@dataclass
class ObjectAudit:
    checked: int = 0
    bytes: int = 0
    problems: list[dict[str, str]] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "checked": self.checked,
            "bytes": self.bytes,
            "problems": self.problems,
        }


async def verify_objects(
    items: list[ArchiveItem], store: ObjectStore, progress: Progress = lambda _n: None
) -> ObjectAudit:
    audit = ObjectAudit()
    for item in items:
        if item.status == ItemStatus.DESTROYED:
            if await _exists(store, item.object_key):
                audit.problems.append(_problem(item, "destroyed, yet the object is still stored"))
            continue
        audit.checked += 1
        try:
            chunks = await store.get_stream(item.object_key)
        except ObjectNotFound:
            audit.problems.append(_problem(item, "object missing"))
            continue
        digest, size = hashlib.sha256(), 0
        async for chunk in chunks:  # streamed: memory holds one chunk, never the file
            digest.update(chunk)
            size += len(chunk)
            progress(len(chunk))
        audit.bytes += size
        if size != item.size:
            audit.problems.append(_problem(item, f"size {size}, recorded {item.size}"))
        elif digest.hexdigest() != item.sha256:
            audit.problems.append(
                _problem(item, f"SHA-256 {digest.hexdigest()}, recorded {item.sha256}")
            )
    return audit


async def _exists(store: ObjectStore, key: str) -> bool:
    try:
        await store.stat(key)
    except ObjectNotFound:
        return False
    return True


def _problem(item: ArchiveItem, what: str) -> dict[str, str]:
    return {"item_id": str(item.id), "key": item.object_key, "problem": what}
