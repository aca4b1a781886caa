"""Benchmarks whose rounds each run in a fresh process of one worktree, alternating.

`--before TREE` names another worktree (e.g. a detached checkout of main); each round
runs once with its code first on the import path and once with this tree's, before
first, so that both see the same load of the machine. A child process is the same
script started with `--child JSON` (its arguments) in the tree asked for, and imports
nothing of `bench` (the other tree may not have this module); it says which `kit` it ran.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent.parent


def parser(description: str, *, n: int, rounds: int) -> argparse.ArgumentParser:
    """The options every such benchmark takes (add its own to it)."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--n", type=int, default=n, help=f"operations per round (default {n:,})")
    p.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    p.add_argument("--loop", default="uvloop", help=argparse.SUPPRESS)
    p.add_argument("--rounds", type=int, default=rounds, help=f"rounds per tree ({rounds})")
    p.add_argument("--before", type=Path, help="another worktree, run alternately")
    return p


def trees(before: Path | None) -> list[tuple[str, Path]]:
    """(name, tree): this one, and the one to compare with when given."""
    return [("after", HERE)] + ([("before", before.resolve())] if before else [])


def in_order(named: list[tuple[str, Path]]) -> list[tuple[str, Path]]:
    """The trees in the order of one round: before first."""
    return list(reversed(named))


def fresh_databases(stack: ExitStack, backends: list[str], label: str) -> Callable[[str], str]:
    """A function giving a new empty database of a backend at each call: a SQLite file in
    a temp dir, or a new database on one embedded PostgreSQL (both held by `stack`)."""
    from bench import common

    tmp = stack.enter_context(common.temp_dir(label))
    pg = common.postgres_if_asked(stack, backends)
    counter = iter(range(10**6))

    def fresh(backend: str) -> str:
        k = next(counter)
        if backend == "sqlite":
            return common.sqlite_url(tmp / f"{label}-{k}.db")
        assert pg is not None
        return pg.create_database(f"bench_{label.replace('-', '_')}_{k}")

    return fresh


def child_command(script: str, args: dict[str, Any]) -> list[str]:
    # -P: not the script's folder first on the path (bench/calendar.py is no stdlib).
    return [sys.executable, "-P", str(Path(script).resolve()), "--child", json.dumps(args)]


def tree_env(tree: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(tree)}


def ran_in(result: dict[str, Any], tree: Path) -> dict[str, Any]:
    """`result` of a child, which names the `kit` it imported: the tree asked for."""
    assert Path(result["kit"]).is_relative_to(tree), result
    return result


def run_child(script: str, tree: Path, args: dict[str, Any]) -> dict[str, Any]:
    """Run `script --child ARGS` with `tree`'s code; its last line of output, as JSON."""
    out = subprocess.run(
        child_command(script, args),
        env=tree_env(tree),
        cwd=tree,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"round in {tree} failed:\n{out.stderr[-3000:]}")
    return ran_in(json.loads(out.stdout.strip().splitlines()[-1]), tree)


def median_and_range(values: Sequence[float]) -> tuple[str, str]:
    return f"{statistics.median(values):,.0f}", f"{min(values):,.0f}–{max(values):,.0f}"
