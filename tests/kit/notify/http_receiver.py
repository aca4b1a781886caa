"""A real HTTP server for webhook tests (uvicorn on 127.0.0.1, in a thread) that
records each request and answers with the statuses a test queues (then 200)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from cli.process import free_port


@dataclass(frozen=True)
class Hit:
    headers: dict[str, str]
    body: bytes
    query: str = ""


@dataclass
class Receiver:
    url: str = ""
    hits: list[Hit] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)  # answered in order, then 200
    always: int | None = None
    answers: list[bytes] = field(default_factory=list)  # bodies answered in order, then none
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle(self, request: Request) -> Response:
        body = await request.body()
        headers = {k.lower(): v for k, v in request.headers.items()}
        with self.lock:
            self.hits.append(Hit(headers, body, request.url.query))
            status = self.always or (self.statuses.pop(0) if self.statuses else 200)
            answer = self.answers.pop(0) if self.answers else b""
        return Response(content=answer, status_code=status, media_type="application/json")

    def received(self) -> list[Hit]:
        with self.lock:
            return list(self.hits)


@contextmanager
def running_receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    app = Starlette(routes=[Route("/hook", receiver.handle, methods=["POST"])])
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.05)
    receiver.url = f"http://127.0.0.1:{port}/hook"
    try:
        yield receiver
    finally:
        server.should_exit = True
        thread.join(10)
