"""Request/reply endpoints of the archive service."""

from __future__ import annotations

from contracts import rpc
from kit.endpoints import query
from kit.rpc import RpcServer
from kit.runtime import ServiceRuntime
from services.archive import service


def register(server: RpcServer, runtime: ServiceRuntime) -> None:
    server.add(rpc.GET_TRACES, query(runtime, service.traces))
    server.add(rpc.VERIFY_TRACE, query(runtime, service.verify))
