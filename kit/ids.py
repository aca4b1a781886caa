"""Identifiers: UUIDv7, so primary keys and event ids sort by creation time."""

from __future__ import annotations

import os
import threading
import time
import uuid

# RFC 9562 layout: 48 bits of Unix milliseconds, version 7 in bits 76–79, the variant
# (0b10) in bits 62–63, random bits everywhere else.
_VERSION_7 = 7 << 76
_VARIANT = 0b10 << 62
_NOT_VARIANT = ~(0b11 << 62)
_RANDOM_BYTES = 10  # 80 bits, the high 76 kept (as uuid6's `secrets.randbits(76)`)
_BATCH = 64  # ids' random bits per read of the OS's random source

_last_ms = 0
_spare: list[int] = []
# Ids are made on the event loop today; the lock keeps their timestamps strictly
# increasing should a thread ever make them too (the spare bits are safe without it).
_lock = threading.Lock()


def new_id() -> uuid.UUID:
    """A fresh UUIDv7 (RFC 9562): time-ordered, so B-tree inserts stay append-only.
    Strictly increasing in a process: in the same millisecond as the last, or an
    earlier one (the clock set back), the timestamp is the last one's plus one, as
    `uuid6.uuid7` (which this replaced) does."""
    global _last_ms
    with _lock:
        ms = time.time_ns() // 1_000_000
        if ms <= _last_ms:
            ms = _last_ms + 1
        _last_ms = ms
    bits = (ms & 0xFFFF_FFFF_FFFF) << 80 | _VERSION_7 | (_random_bits() & _NOT_VARIANT) | _VARIANT
    return uuid.UUID(int=bits)


def _random_bits() -> int:
    """76 random bits from the OS's source (as `secrets` draws them), read for 64 ids at
    once: `uuid6.uuid7` made one `getrandom` call per id, three per createEngagement.
    Safe across threads: a pop that finds the list emptied by another thread reads anew
    and keeps the first of its own."""
    try:
        return _spare.pop()
    except IndexError:
        data = os.urandom(_RANDOM_BYTES * _BATCH)
        fresh = [
            int.from_bytes(data[i : i + _RANDOM_BYTES], "big") >> 4
            for i in range(0, len(data), _RANDOM_BYTES)
        ]
        _spare.extend(fresh[1:])
        return fresh[0]


def _forget_spare() -> None:
    # A forked child must not hand out the random bits its parent will also use.
    _spare.clear()


os.register_at_fork(after_in_child=_forget_spare)
