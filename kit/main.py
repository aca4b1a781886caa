"""Entry point shared by the service processes."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Protocol

from kit.gc_tuning import settle_heap
from kit.logging import configure_logging
from kit.runtime import ServiceRuntime, serve_until_signalled
from kit.tracing import configure_tracing


class ServiceApp(Protocol):
    NAME: str

    def build(self) -> ServiceRuntime: ...

    def start(self, runtime: ServiceRuntime, /) -> Awaitable[None]: ...


def run_service(app: ServiceApp) -> None:
    runtime = app.build()
    configure_logging(app.NAME, level=runtime.settings.log_level, fmt=runtime.settings.log_format)
    configure_tracing(app.NAME)
    main = serve_until_signalled(runtime, lambda: app.start(runtime))
    settle_heap()
    try:
        import uvloop
    except ImportError:  # uvloop is optional; asyncio's own loop works too
        asyncio.run(main)
    else:
        uvloop.run(main)
