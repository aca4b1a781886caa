"""Identifiers: UUIDv7, so primary keys and event ids sort by creation time."""

from __future__ import annotations

import uuid

import uuid6


def new_id() -> uuid.UUID:
    """A fresh UUIDv7 (RFC 9562): time-ordered, so B-tree inserts stay append-only."""
    return uuid.UUID(bytes=uuid6.uuid7().bytes)
