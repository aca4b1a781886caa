"""`python -m gateway`: serve GraphQL with uvicorn (uvloop when installed, httptools)."""

from __future__ import annotations

from types import FrameType

import uvicorn

from gateway.app import create_app
from gateway.http.one_write import OneWriteProtocol
from gateway.observability import begin_draining
from gateway.settings import GatewaySettings
from kit.gc_tuning import settle_heap
from kit.logging import configure_logging
from kit.tracing import configure_tracing


class _Server(uvicorn.Server):
    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        # Readiness fails from the first signal on, while uvicorn finishes what is in flight.
        begin_draining()
        super().handle_exit(sig, frame)


def main() -> None:
    settings = GatewaySettings()
    configure_logging("gateway", level=settings.log_level, fmt=settings.log_format)
    configure_tracing("gateway")
    app = create_app(settings)
    settle_heap()  # what the app holds for its lifetime leaves the collector's walks
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level.lower(),
        http=OneWriteProtocol,  # httptools, a response's head and body in one write
        access_log=False,
        timeout_graceful_shutdown=10,
    )
    _Server(config).run()


if __name__ == "__main__":
    main()
