"""The Node tooling of the tests (package.json, package-lock.json here): installed with
`npm ci` into tests/js/node_modules on first use, then reused while the lock file is
unchanged. Node.js 20+ and npm are required, as on CI."""

from __future__ import annotations

import fcntl
import shutil
import subprocess
from pathlib import Path

JS_DIR = Path(__file__).resolve().parent
NODE_MODULES = JS_DIR / "node_modules"
_LOCK = JS_DIR / "package-lock.json"
_INSTALLED = NODE_MODULES / ".package-lock.json"  # npm writes it after an install


def node() -> str:
    found = shutil.which("node")
    if found is None:
        raise RuntimeError("Node.js 20+ is needed by the tests in tests/js (node not on PATH)")
    return found


def ensure_installed() -> Path:
    """tests/js/node_modules as the lock file describes it; one installer at a time."""
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is needed by the tests in tests/js (npm not on PATH)")
    with (JS_DIR / ".install.lock").open("w") as guard:
        fcntl.flock(guard, fcntl.LOCK_EX)
        if not _current():
            subprocess.run(
                [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
                cwd=JS_DIR,
                check=True,
                timeout=300,
            )
            _INSTALLED.touch()
    return NODE_MODULES


def _current() -> bool:
    return _INSTALLED.exists() and _INSTALLED.stat().st_mtime >= _LOCK.stat().st_mtime


def run_node(script: str, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """`node tests/js/<script> args…` after installing; output captured as text."""
    ensure_installed()
    return subprocess.run(
        [node(), str(JS_DIR / script), *args],
        cwd=JS_DIR,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
