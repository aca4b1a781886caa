"""The running system the fuzzer drives (the stack of the end-to-end tests on the
production parts: PostgreSQL, S3, its own NATS), the world of real objects whose ids the
generated inputs use, and the tally printed at the end of the run."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from tests import worker_summaries
from tests.e2e.conftest import PRODUCTION_BUCKET, pg_urls, start_system
from tests.e2e.harness import RunningSystem
from tests.fuzz.tally import TALLY
from tests.fuzz.world import World, build_world
from tests.infra.s3_server import S3Server

# ECOHOST_FUZZ_DATABASES=postgresql,sqlite runs the fuzzer on both backends.
DATABASES = os.environ.get("ECOHOST_FUZZ_DATABASES", "postgresql").split(",")


@pytest.fixture(scope="module", params=DATABASES)
def fuzz_system(
    request: pytest.FixtureRequest, s3_server: S3Server, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningSystem]:
    env = {
        "ECOHOST_ARCHIVE_STORAGE_BACKEND": "s3",
        "ECOHOST_ARCHIVE_STORAGE_S3_ENDPOINT": s3_server.endpoint,
        "ECOHOST_ARCHIVE_STORAGE_S3_ACCESS_KEY": s3_server.access_key,
        "ECOHOST_ARCHIVE_STORAGE_S3_SECRET_KEY": s3_server.secret_key,
        "ECOHOST_ARCHIVE_STORAGE_S3_SECURE": "false",
        "ECOHOST_ARCHIVE_STORAGE_S3_BUCKET": PRODUCTION_BUCKET,
        # No background writer may change a row count between the two snapshots of a
        # refused mutation: periodic checkpoints and overdue scans are off.
        "ECOHOST_ENGAGEMENT_OVERDUE_CHECK_INTERVAL": "86400",
        "ECOHOST_ARCHIVE_LEDGER_CHECKPOINT_INTERVAL": "0",
        "ECOHOST_ARCHIVE_UPLOAD_CLEANUP_INTERVAL": "0",
    }
    data_dir = tmp_path_factory.mktemp(f"fuzz-{request.param}")
    urls = {}
    if request.param == "postgresql":
        urls = pg_urls(request.getfixturevalue("postgres"), "fuzz")
    yield from start_system(data_dir, urls, env=env)


@pytest.fixture(scope="module")
def world(fuzz_system: RunningSystem) -> World:
    return build_world(fuzz_system)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if TALLY.cases:
        terminalreporter.write_sep("-", "fuzz")
        for line in TALLY.lines():
            terminalreporter.write_line(line)


# Under pytest-xdist the controller prints it (tests/worker_summaries.py).
worker_summaries.register("fuzz", lambda: TALLY.lines() if TALLY.cases else [])
