"""`ecohost dev` (what `make run` runs): the stack in the foreground until Ctrl-C or SIGTERM."""

from __future__ import annotations

import os
import signal
import threading
from types import FrameType

from sqlalchemy.engine import make_url

from cli.process import LogPrinter, ProcessError
from cli.stack import COLOURS, MODULES, Stack, StackConfig


def banner(stack: Stack) -> list[str]:
    """Where everything is, printed once the gateway is ready."""
    cfg = stack.config
    lines = [
        "ecohost is running",
        f"  GraphQL   {stack.gateway_url}/graphql  (open it in a browser for GraphiQL)",
        f"  NATS      {stack.nats_url}"
        + (f"  (monitoring {stack.nats.monitor_url})" if stack.nats else ""),
        f"  data      {stack.data_dir}  (kept between runs; logs in logs/)",
    ]
    for name in MODULES:
        url = cfg.database_url(name)
        if name in cfg.database_urls:
            lines.append(f"  {name} db  {make_url(url).render_as_string(hide_password=True)}")
    lines += [
        "  token     ecohost token --user alice --role agency_admin --tenant agency:<uuid>",
        "            then send  Authorization: Bearer <token>",
        "  stop      Ctrl-C",
    ]
    return lines


def run(config: StackConfig) -> int:
    """Run the stack until Ctrl-C or SIGTERM; exit code 1 if anything died."""
    printer = LogPrinter(COLOURS)
    stack = Stack(config, sink=printer)
    stop_requested = threading.Event()

    def say(text: str) -> None:
        for line in text.splitlines():
            printer("ecohost", line)

    # Signals only set a flag: the main thread then stops children in order, instead
    # of a KeyboardInterrupt landing somewhere in the middle of a start or a stop.
    def on_signal(signum: int, _frame: FrameType | None) -> None:
        if stop_requested.is_set():
            # os.write, not the printer: the handler runs on the main thread, which
            # may be holding the printer's lock at this very moment.
            os.write(2, b"ecohost: already stopping; stragglers get SIGKILL shortly\n")
        stop_requested.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        try:
            stack.start(abort=stop_requested)
        except ProcessError as exc:
            say(str(exc))
            return 0 if stop_requested.is_set() else 1
        say("\n".join(banner(stack)))
        while not stop_requested.wait(0.5):
            exited = stack.exited()
            if exited:
                for name, code in exited.items():
                    say(f"{name} exited unexpectedly with code {code}; stopping everything")
                return 1
        say("stopping")
        return 0
    finally:
        stack.stop()  # idempotent, and the one place children are stopped, whatever happened
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        say(f"stopped; data kept in {stack.data_dir}")
