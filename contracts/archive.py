"""Request/reply contracts of the archive service."""

from __future__ import annotations

from typing import Any

from contracts.rpc import Rpc

ARCHIVE_RPCS: tuple[Rpc[Any, Any], ...] = ()
