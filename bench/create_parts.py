"""Parts of createEngagement, old way against new way, alternately in one process.

    python -m bench.create_parts [--n 2000] [--rounds 5]

The whole-system burst (`bench.graphql_burst`) measures the load of a shared machine as
much as the code; these parts are timed as CPU of this process (`time.process_time`),
the old and the new way in alternating rounds, so both see the same load:

- a bearer token: `TokenVerifier.verify` checking it in full each time (a cache of one
  entry that never keeps anything) against the cache (kit.token_cache) answering it;
- may this agency open an engagement for this unit: `writable_units` (the ORM unit
  through `unit_write_scope`) against `writable_regions` (one prebuilt statement), on a
  migrated SQLite engagement database holding one linked unit.

Each figure is the median of the rounds, in microseconds per call.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any
from uuid import UUID

from bench import common
from contracts.core import Scope
from kit.auth import AuthSettings, Principal, TokenVerifier, issue_token
from kit.ids import new_id
from kit.token_cache import VerifiedTokens
from services.engagement import app
from services.engagement.directory import repository
from services.engagement.models import Unit
from tests.engagement.linked_unit import linked_unit
from tests.infra.databases import migrated_database


class _NeverKept(VerifiedTokens):
    """The verifier as before the cache: every token checked in full."""

    def put(self, token: str, key: Any, principal: Principal) -> None:
        return None


def _cpu_us(call: Callable[[], object], n: int) -> float:
    start = time.process_time()
    for _ in range(n):
        call()
    return (time.process_time() - start) / n * 1e6


async def _cpu_us_async(call: Callable[[], Awaitable[object]], n: int) -> float:
    start = time.process_time()
    for _ in range(n):
        await call()
    return (time.process_time() - start) / n * 1e6


def tokens(n: int, rounds: int) -> tuple[list[float], list[float]]:
    settings = AuthSettings()
    token = issue_token(settings, user_id="bench", tenant=f"agency:{new_id()}", roles=["engineer"])
    full, cached = TokenVerifier(settings, _NeverKept()), TokenVerifier(settings)
    old: list[float] = []
    new: list[float] = []
    for _ in range(rounds):
        old.append(_cpu_us(lambda: full.verify(token), n))
        new.append(_cpu_us(lambda: cached.verify(token), n))
    return old, new


async def units(n: int, rounds: int) -> tuple[list[float], list[float]]:
    old: list[float] = []
    new: list[float] = []
    with common.temp_dir("create-parts") as tmp:
        url = common.sqlite_url(tmp / "engagement.db")
        async with migrated_database(url, "engagement", app.MIGRATIONS) as db:
            agency, unit_id = await linked_unit(db)
            scope, ids = Scope(agency_id=agency), [unit_id]
            async with db.transaction() as session:
                # In one transaction, as the command runs it; expunged so each call loads.
                async def by_units() -> dict[UUID, Unit]:
                    found = await repository.writable_units(session, ids, scope)
                    session.expunge_all()
                    return found

                async def by_regions() -> dict[UUID, str]:
                    return await repository.writable_regions(session, ids, scope)

                assert set(await by_units()) == set(await by_regions()) == {unit_id}
                for _ in range(rounds):
                    old.append(await _cpu_us_async(by_units, n))
                    new.append(await _cpu_us_async(by_regions, n))
    return old, new


def main() -> None:
    p = common.parser(__doc__.splitlines()[0], n=2000)
    p.add_argument("--rounds", type=int, default=5, help="alternating rounds (default 5)")
    args = p.parse_args()
    print(common.machine_facts(args.loop))
    rows = [("bearer token: verify", *tokens(args.n, args.rounds))]
    measured: list[tuple[list[float], list[float]]] = []

    async def measure_units() -> None:
        measured.append(await units(args.n, args.rounds))

    common.run_async(measure_units(), args.loop)
    rows.append(("one unit writable?", *measured[0]))
    print(f"\n{args.n} calls per round, {args.rounds} rounds, CPU µs per call (median, range)\n")
    print("| part | before | after | after / before |")
    print("|---|---:|---:|---:|")
    for name, old, new in rows:
        o, w = statistics.median(old), statistics.median(new)
        print(
            f"| {name} | {o:.1f} ({min(old):.1f}–{max(old):.1f}) "
            f"| {w:.1f} ({min(new):.1f}–{max(new):.1f}) | {w / o:.2f} |"
        )


if __name__ == "__main__":
    common.run_main(main)
