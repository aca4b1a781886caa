"""NATS as `RpcClient` uses it, answered in process: for tests and the gateway's
mutation benchmark, which need the gateway's side of a call without a service."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class RecordedReply:
    data: bytes


@dataclass
class AnsweringNats:
    """Every request gets `reply`; the headers of each request are kept."""

    reply: bytes
    headers: list[dict[str, str]] = field(default_factory=list)

    async def request(
        self, subject: str, data: bytes, timeout: float, headers: dict[str, str]
    ) -> RecordedReply:
        self.headers.append(dict(headers))
        return RecordedReply(self.reply)
