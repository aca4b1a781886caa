"""A real S3 HTTP endpoint for tests: moto's server, run as a subprocess."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from cli.process import ManagedProcess, free_port, http_status, wait_until

# The S3 servers the storage tests run on: test id -> session fixture (tests/conftest.py).
# moto checks no signatures and implements object lock partly; SeaweedFS enforces both.
S3_SERVERS = {"moto": "s3_server", "seaweedfs": "seaweedfs_server"}

_START_TIMEOUT = 30.0
_STOP_TIMEOUT = 10.0


@dataclass(frozen=True)
class S3Server:
    endpoint: str  # "127.0.0.1:PORT", as the minio SDK wants it
    access_key: str
    secret_key: str
    # "moto" (no signature checks, partial object lock) or "seaweedfs" (seaweedfs_server.py)
    kind: str = "moto"

    @property
    def url(self) -> str:
        return f"http://{self.endpoint}"


@contextmanager
def running_s3_server() -> Iterator[S3Server]:
    """Start `moto_server` on a free port, wait until it answers, stop it at exit."""
    # The console script sits next to the interpreter of this virtualenv.
    binary = Path(sys.executable).with_name("moto_server")
    # The port is free when we look; the tiny race until moto binds it is
    # acceptable in tests, and a clash shows up as a startup failure.
    port = free_port()
    server = S3Server(endpoint=f"127.0.0.1:{port}", access_key="testing", secret_key="testing")
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": server.access_key,
        "AWS_SECRET_ACCESS_KEY": server.secret_key,
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    process = ManagedProcess(
        "moto_server", [str(binary), "-H", "127.0.0.1", "-p", str(port)], env=env
    )
    process.start()
    try:
        wait_until(
            lambda: http_status(server.url) is not None,
            what=f"moto_server to answer at {server.url}",
            explained_by=process,
            watched=[process],
            timeout=_START_TIMEOUT,
            interval=0.1,
        )
        yield server
    finally:
        process.stop(_STOP_TIMEOUT)
