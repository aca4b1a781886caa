"""Persisted queries: the automatic-persisted-query (APQ) protocol and an allow-list.

APQ (`extensions.persistedQuery = {"version": 1, "sha256Hash": …}`): a client sends
the hash alone; on `PersistedQueryNotFound` it sends hash and text once, and the
gateway remembers the text (in a bounded LRU, per process). This saves bandwidth;
it is not a protection, since anyone can register anything.

The allow-list (production): only operations registered ahead of time run — a JSON
file `{sha256: query}` or a directory of `*.graphql` files, built from the
frontends' and platforms' operations at release time. Free text is refused unless
its hash is registered, so an attacker's crafted query never reaches validation.
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from graphql import GraphQLError

Mode = Literal["off", "automatic", "allow_list"]


@dataclass(frozen=True)
class PersistedQueryError(Exception):
    """A refused request; `code` is the APQ protocol's (clients switch on it)."""

    message: str
    code: str

    def as_graphql_error(self) -> GraphQLError:
        """As an operation's only error, with the protocol's code clients switch on."""
        return GraphQLError(self.message, extensions={"code": self.code})


NOT_FOUND = PersistedQueryError("PersistedQueryNotFound", "PERSISTED_QUERY_NOT_FOUND")
NOT_SUPPORTED = PersistedQueryError("PersistedQueryNotSupported", "PERSISTED_QUERY_NOT_SUPPORTED")
HASH_MISMATCH = PersistedQueryError("provided sha does not match query", "BAD_REQUEST")
NOT_ALLOWED = PersistedQueryError("only registered operations are allowed", "OPERATION_NOT_ALLOWED")


def sha256_of(query: str) -> str:
    return hashlib.sha256(query.encode()).hexdigest()


def load_registry(path: Path) -> dict[str, str]:
    """Registered operations by hash; a JSON entry whose key is not its text's hash is
    an error, so a tampered or stale file fails at start rather than at request time."""
    if path.is_dir():
        return {sha256_of(q): q for q in (f.read_text() for f in sorted(path.glob("*.graphql")))}
    entries: dict[str, str] = json.loads(path.read_text())
    for key, query in entries.items():
        if sha256_of(query) != key:
            raise ValueError(f"{path}: {key} is not the sha256 of its query")
    return dict(entries)


class PersistedQueries:
    def __init__(
        self, mode: Mode, registry: dict[str, str] | None = None, cache_size: int = 1000
    ) -> None:
        self.mode = mode
        self.registry = registry or {}
        self.cache_size = cache_size
        self._learned: OrderedDict[str, str] = OrderedDict()

    def resolve(self, query: str | None, extensions: dict[str, Any] | None) -> str | None:
        """The query text to run, or PersistedQueryError."""
        persisted = (extensions or {}).get("persistedQuery")
        digest = persisted.get("sha256Hash") if isinstance(persisted, dict) else None
        if digest is not None and not isinstance(digest, str):
            raise HASH_MISMATCH
        if self.mode == "allow_list":
            return self._allowed(query, digest)
        if digest is None:
            return query
        if self.mode == "off":
            if query is None:
                raise NOT_SUPPORTED
            return query
        if query is None:
            return self._lookup(str(digest))
        if sha256_of(query) != digest:
            raise HASH_MISMATCH
        self._learn(digest, query)
        return query

    def _allowed(self, query: str | None, digest: Any) -> str:
        if query is None:
            if digest is None or digest not in self.registry:
                raise NOT_FOUND
            return self.registry[digest]
        if sha256_of(query) not in self.registry:
            raise NOT_ALLOWED
        return query

    def _lookup(self, digest: str) -> str:
        if digest in self.registry:
            return self.registry[digest]
        query = self._learned.get(digest)
        if query is None:
            raise NOT_FOUND
        self._learned.move_to_end(digest)
        return query

    def _learn(self, digest: str, query: str) -> None:
        if digest in self.registry:
            return
        self._learned[digest] = query
        self._learned.move_to_end(digest)
        while len(self._learned) > self.cache_size:
            self._learned.popitem(last=False)
