"""Which object stores and databases an archive test runs on.

By default every test that takes `archive` runs on the local store and on S3 (moto),
each on SQLite and PostgreSQL. The tests that prove a storage property (write-once
uploads, version-named downloads, object lock, destroying every version) also run on
SeaweedFS, which checks signatures and enforces retention where moto does not. Once is
enough there: its behaviour does not depend on the database, so it runs on SQLite only.
"""

from __future__ import annotations

import pytest

ON_EVERY_STORE = pytest.mark.parametrize(
    ("database_url", "archive"),
    [
        *(
            (database, store)
            for database in ("sqlite", "postgresql")
            for store in ("local", "moto")
        ),
        ("sqlite", "seaweedfs"),
    ],
    indirect=True,
)
