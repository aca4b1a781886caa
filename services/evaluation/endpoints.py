"""Request/reply endpoints of the evaluation service."""

from __future__ import annotations

from contracts import rpc
from kit.endpoints import query
from kit.rpc import RpcServer
from kit.runtime import ServiceRuntime
from services.evaluation import service


def register(server: RpcServer, runtime: ServiceRuntime) -> None:
    server.add(rpc.GET_REGISTRATIONS, query(runtime, service.registrations))
