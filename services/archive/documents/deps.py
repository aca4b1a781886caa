"""What the document use cases depend on besides the session."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from kit.rpc import RpcClient
from kit.runtime import ServiceRuntime
from services.archive.catalogue.deps import CatalogueDeps
from services.archive.settings import ArchiveSettings

# Gathering an engagement's facts asks two services; a slow one fails the request or,
# in the worker, the attempt (retried).
FACTS_TIMEOUT = 10.0


@dataclass
class DocumentDeps:
    """The catalogue (documents are filed like any item), the running service (its
    database, and NATS to ask the engagement and evaluation services for the facts) and
    the event that wakes this replica's workers when it queues a job."""

    catalogue: CatalogueDeps
    runtime: ServiceRuntime
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    _rpc: RpcClient | None = None

    @property
    def settings(self) -> ArchiveSettings:
        return self.catalogue.settings

    @property
    def rpc(self) -> RpcClient:
        """A client on the service's own NATS connection (there once the service started)."""
        if self._rpc is None:
            assert self.runtime.nc is not None, "the archive service has not started"
            self._rpc = RpcClient(self.runtime.nc, timeout=FACTS_TIMEOUT)
        return self._rpc
