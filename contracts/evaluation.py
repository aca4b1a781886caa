"""Request/reply contracts of the evaluation service."""

from __future__ import annotations

from typing import Any

from contracts.rpc import Rpc

EVALUATION_RPCS: tuple[Rpc[Any, Any], ...] = ()
