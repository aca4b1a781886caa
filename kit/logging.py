"""Structured logs: JSON lines for machines, coloured console for `make run`.

Every line carries `process` (which program speaks) and, inside a request or an
event handler, the `correlation_id` that travelled in NATS headers and, when
tracing is on, the current `trace_id` and `span_id`.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import structlog

from kit.tracing import add_trace_ids

CORRELATION_HEADER = "Ecohost-Correlation-Id"


class _CurrentStderr:
    """Whatever `sys.stderr` is when a line is written, not when logging was configured:
    a command run in-process (tests, an embedding program) may have swapped the stream
    for one that is closed by the time the next log line is written."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def configure_logging(process: str, *, level: str = "INFO", fmt: str = "json") -> None:
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        add_trace_ids,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer: Any
    if fmt == "console":
        renderer = structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    else:
        renderer = structlog.processors.JSONRenderer()
    structlog.configure(
        processors=[
            *shared,
            structlog.processors.StackInfoRenderer(),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(file=_CurrentStderr()),  # type: ignore[arg-type]
        cache_logger_on_first_use=True,
    )
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(process=process)
    # Libraries log through stdlib logging; send them to the same stream, quieter.
    logging.basicConfig(
        level=logging.WARNING, stream=sys.stderr, format=f"{process} %(name)s %(message)s"
    )


def get_logger(name: str | None = None) -> Any:
    return structlog.get_logger(name)
