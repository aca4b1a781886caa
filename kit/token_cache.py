"""Verified bearer tokens remembered until they expire, so that a client sending the
same token with every request pays for its signature check once.

Checking an HS256 signature, the claims and the tenant/role syntax cost about 7.5 % of
the gateway's CPU per `createEngagement` (docs/BENCHMARKS.md §17). A token's answer
cannot change before its `exp` unless its signing key does, so `TokenVerifier` keeps
the `Principal` with the key it was verified with and serves it again only while
that key is still the one the token names (an RS256 key the identity provider
withdrew stops being trusted when the key set is refetched, as without the cache)
and only strictly before `exp` (after it, the full check answers, with its leeway,
`token_expired`). Refusals are never kept: a bad token is checked in full each time.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kit.auth import Principal

DEFAULT_SIZE = 4096
"""Tokens kept at most (least recently used first out): a few hundred bytes each, so a
few MB at most, while a gateway serves far fewer distinct callers per hour."""


@dataclass(frozen=True, slots=True)
class _Entry:
    principal: Principal
    key: Any
    expires: float  # the token's `exp`, seconds since the epoch


class VerifiedTokens:
    """A bounded LRU map from a token's text to the principal it proved.

    Thread-safe: `TokenVerifier.verify` may run in a worker thread (RS256 key fetches).
    """

    def __init__(self, size: int = DEFAULT_SIZE, clock: Callable[[], float] = time.time) -> None:
        if size < 1:
            raise ValueError("the token cache holds at least one token")
        self._size = size
        self._clock = clock
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, token: str, key: Any) -> Principal | None:
        """The principal `token` proved when verified with `key`, if that is the key it
        names now and it has not expired; else None (and the entry is dropped)."""
        with self._lock:
            entry = self._entries.get(token)
            if entry is None:
                return None
            if entry.key is not key or self._clock() >= entry.expires:
                del self._entries[token]
                return None
            self._entries.move_to_end(token)
            return entry.principal

    def put(self, token: str, key: Any, principal: Principal) -> None:
        """Remember a verified token until its expiry (`principal.expires_at`)."""
        if principal.expires_at is None:
            return  # nothing proves when it would stop being valid
        entry = _Entry(principal, key, principal.expires_at.timestamp())
        if self._clock() >= entry.expires:
            return  # past `exp`, accepted within the leeway only: checked in full each time
        with self._lock:
            self._entries[token] = entry
            self._entries.move_to_end(token)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)
