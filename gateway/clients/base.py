"""What every service client shares: the NATS connection and the caller it speaks as."""

from __future__ import annotations

from contracts.core import Rpc
from kit.rpc import CallContext, Req, Resp, RpcClient


class ServiceClient:
    def __init__(self, rpc: RpcClient, caller: CallContext) -> None:
        self._rpc = rpc
        self._caller = caller

    async def _call(
        self, subject: Rpc[Req, Resp], request: Req, timeout: float | None = None
    ) -> Resp:
        return await self._rpc.call(subject, request, self._caller, timeout=timeout)
