"""Text with a NUL character (U+0000) is refused where a request enters a service.

PostgreSQL's text types cannot hold U+0000: a request carrying one reached the database
and failed there as an internal error (found by the fuzzer: `agencyResults(periodLabel:
"\\u0000")`), while SQLite stored it. Refusing it as a validation error at the door gives
one answer on both backends, for every request of every service, before any handler runs.

A request arrives as JSON, where U+0000 can only be written escaped (`\\u0000`), so the
check is a search of the raw bytes; the request is decoded only to name the field."""

from __future__ import annotations

import json
import re
from typing import Any

from contracts.core import ValidationFailed

# `\u0000` not itself escaped: preceded by an even number of backslashes.
_ESCAPED_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")


def refuse_nul(data: bytes) -> None:
    """Raise ValidationFailed naming the first field (`a.0.b`) whose text holds U+0000."""
    if _ESCAPED_NUL.search(data) is None:
        return
    try:
        path = _path_to_nul(json.loads(data))
    except ValueError:
        return  # not JSON at all: the contract's own parsing refuses it
    # A literal template: the gateway says it in the caller's language (gateway/i18n).
    field = ".".join(path) if path else None
    raise ValidationFailed("text may not contain the NUL character (U+0000)", field=field)


def _path_to_nul(value: Any) -> list[str] | None:
    if isinstance(value, str):
        return [] if "\x00" in value else None
    if isinstance(value, dict):
        items: Any = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return None
    for key, inner in items:
        if isinstance(key, str) and "\x00" in key:
            return [key.replace("\x00", "")]
        path = _path_to_nul(inner)
        if path is not None:
            return [str(key), *path]
    return None
