"""The gateway's clients of the services: each module is the only place that
speaks its service's subjects, for resolvers and DataLoaders alike.

Every call carries the caller's identity and the request id in NATS headers; the scope
computed by the authorizer goes in the payload so the services filter in SQL.
"""

from __future__ import annotations

from dataclasses import dataclass

from gateway.clients.archive import ArchiveClient
from gateway.clients.compliance import ComplianceClient
from gateway.clients.engagement import EngagementClient
from gateway.clients.evaluation import EvaluationClient
from kit.rpc import CallContext, RpcClient


@dataclass(frozen=True)
class ServiceClients:
    """One request's clients, all speaking as the same caller."""

    engagement: EngagementClient
    evaluation: EvaluationClient
    archive: ArchiveClient
    compliance: ComplianceClient

    @classmethod
    def of(cls, rpc: RpcClient, caller: CallContext) -> ServiceClients:
        return cls(
            engagement=EngagementClient(rpc, caller),
            evaluation=EvaluationClient(rpc, caller),
            archive=ArchiveClient(rpc, caller),
            compliance=ComplianceClient(rpc, caller),
        )
