"""`python -m gateway`: serve GraphQL with uvicorn (uvloop + httptools when installed)."""

from __future__ import annotations

import uvicorn

from gateway.settings import GatewaySettings
from kit.logging import configure_logging


def main() -> None:
    settings = GatewaySettings()
    configure_logging("gateway", level=settings.log_level, fmt=settings.log_format)
    uvicorn.run(
        "gateway.app:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level.lower(),
        access_log=False,
        timeout_graceful_shutdown=10,
    )


if __name__ == "__main__":
    main()
