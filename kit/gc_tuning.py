"""Garbage collection for long-running servers (the gateway and every service).

CPython's cyclic collector runs a young collection every 700 net container allocations,
an older one every 10 of those and a full one every 10 older ones. A 50-row GraphQL page
allocates a few hundred thousand containers (decoded replies, strawberry objects,
graphql-core's results) and, with a few pages in flight, most of them are alive when a
collection starts, so each collection walks them all to free nothing: reference counting
frees them when the page is sent. A full collection also walks everything the process
holds for its lifetime (modules, the schema, SQLAlchemy's mappers, pydantic's
validators). Measured on the dashboard (docs/BENCHMARKS.md §15), the gateway spent about
a quarter of its CPU there.

So, once started, a server moves what it holds into the permanent generation
(`gc.freeze`: never walked again) and collects young objects less often. Cycles are
still found, a little later; the young generation holds at most a few MB more.
"""

from __future__ import annotations

import gc

# Net container allocations between young collections (CPython's default: 700).
YOUNG_THRESHOLD = 50_000
# Younger collections between older and full ones (CPython's: 10 and 10).
OLDER_THRESHOLDS = (20, 100)


def settle_heap() -> None:
    """Call once the server has imported and built what it keeps for its lifetime."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, *OLDER_THRESHOLDS)
