"""A real S3 HTTP endpoint for tests: moto's server, run as a subprocess."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx

_START_TIMEOUT = 30.0
_STOP_TIMEOUT = 10.0


@dataclass(frozen=True)
class S3Server:
    endpoint: str  # "127.0.0.1:PORT", as the minio SDK wants it
    access_key: str
    secret_key: str

    @property
    def url(self) -> str:
        return f"http://{self.endpoint}"


@contextmanager
def running_s3_server() -> Iterator[S3Server]:
    """Start `moto_server` on a free port, wait until it answers, stop it at exit."""
    # The console script sits next to the interpreter of this virtualenv.
    binary = Path(sys.executable).with_name("moto_server")
    port = _free_port()
    server = S3Server(endpoint=f"127.0.0.1:{port}", access_key="testing", secret_key="testing")
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": server.access_key,
        "AWS_SECRET_ACCESS_KEY": server.secret_key,
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    # A file, not a pipe: nobody reads the output while tests run, and a full
    # pipe would stall the server.
    with tempfile.TemporaryFile() as output:
        process = subprocess.Popen(
            [str(binary), "-H", "127.0.0.1", "-p", str(port)],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_until_ready(process, server.url, output)
            yield server
        finally:
            process.terminate()
            try:
                process.wait(timeout=_STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _free_port() -> int:
    # The port is free when we look; the tiny race until moto binds it is
    # acceptable in tests, and a clash shows up as a startup failure.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_until_ready(process: subprocess.Popen[bytes], url: str, output: IO[bytes]) -> None:
    deadline = time.monotonic() + _START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"moto_server exited with {process.returncode}: {_tail(output)}")
        try:
            httpx.get(url, timeout=1.0)
        except httpx.TransportError:
            time.sleep(0.1)
        else:
            return
    raise RuntimeError(f"moto_server did not answer within {_START_TIMEOUT}s: {_tail(output)}")


def _tail(output: IO[bytes]) -> str:
    output.seek(0)
    return output.read()[-2000:].decode(errors="replace")
