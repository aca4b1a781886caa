"""graphql-transport-ws with the gateway's rules for operations.

Each operation sent over the WebSocket (a subscription, or a query or mutation the
protocol also allows) runs in a context of its own (`Context.for_operation`): the
connection's token verified at that moment, and fresh DataLoaders; a query or
mutation also gets the HTTP execution timeout. It also goes
through the same persisted-query resolution as one sent by POST: in allow-list
mode only registered operations run, by hash (`extensions.persistedQuery`) or
identical text. A refused operation gets the protocol's `error` message for its
id, with the persisted-query code, and the connection stays open for the
client's other operations.

A connection holds at most `max_subscriptions` subscriptions at once (each is a
NATS subscription with its own buffer): one more gets the protocol's `error` for
its id with `TOO_MANY_SUBSCRIPTIONS`; the connection and its other subscriptions
go on.
"""

from __future__ import annotations

import asyncio
from contextvars import ContextVar
from typing import Any

from graphql import GraphQLError, OperationType
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import SubscribeMessage

from gateway.context import Context
from gateway.http.operations import operation_type, timed_out
from gateway.persisted import PersistedQueries, PersistedQueryError

# The context of the operation whose task is running. strawberry runs each
# operation in a task of its own with `self.context`; a task copies context
# variables when it is created, so setting this around its creation hands that
# operation, and only it, its own context.
_operation_context: ContextVar[Any] = ContextVar("ws_operation_context", default=None)


class PersistedTransportWSHandler(BaseGraphQLTransportWSHandler[Any, Any]):
    @property
    def context(self) -> Any:
        return _operation_context.get() or self._connection_context

    @context.setter
    def context(self, value: Any) -> None:
        self._connection_context = value

    async def run_operation(self, operation: Operation[Any, Any]) -> None:
        """Queries and mutations get the HTTP execution timeout; a subscription is
        meant to run for as long as the client listens."""
        named = operation_type(operation.query, operation.operation_name)
        if named is OperationType.SUBSCRIPTION:
            await super().run_operation(operation)
            return
        timeout: float = self.view.execution_timeout  # type: ignore[attr-defined]
        try:
            async with asyncio.timeout(timeout):
                await super().run_operation(operation)
        except TimeoutError:
            await operation.send_initial_errors([timed_out()])

    @property
    def _limit(self) -> int:
        return self.view.max_subscriptions  # type: ignore[attr-defined,no-any-return]

    def _subscriptions_full(self, query: str, operation_name: Any) -> bool:
        """Whether this operation is a subscription and the connection holds its
        maximum already (queries and mutations end by themselves: not counted)."""
        name = operation_name if isinstance(operation_name, str) else None
        if operation_type(query, name) is not OperationType.SUBSCRIPTION:
            return False
        running = sum(
            1
            for op in self.operations.values()
            if operation_type(op.query, op.operation_name) is OperationType.SUBSCRIPTION
        )
        return running >= self._limit

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        if not self.connection_acknowledged or message["id"] in self.operations:
            await super().handle_subscribe(message)  # the protocol closes the connection
            return
        persisted: PersistedQueries = self.view.persisted  # type: ignore[attr-defined]
        payload = message["payload"]
        if not isinstance(payload, dict):
            await self.handle_invalid_message("Failed to parse message")
            return
        sent, extensions = payload.get("query"), payload.get("extensions")
        if not isinstance(sent, str | None) or not isinstance(extensions, dict | None):
            await self.handle_invalid_message("Failed to parse message")
            return
        try:
            query = persisted.resolve(sent, extensions)
        except PersistedQueryError as refused:
            error = refused.as_graphql_error()
            await self.send_message(
                {"id": message["id"], "type": "error", "payload": [error.formatted]}
            )
            return
        if query is None:
            await self.handle_invalid_message("Failed to parse message")  # no query, no hash
            return
        if self._subscriptions_full(query, payload.get("operationName")):
            await self.send_message(
                {
                    "id": message["id"],
                    "type": "error",
                    "payload": [_too_many(self._limit).formatted],
                }
            )
            return
        connection = self._connection_context
        own = connection.for_operation() if isinstance(connection, Context) else connection
        started = _operation_context.set(own)
        try:
            await super().handle_subscribe({**message, "payload": {**payload, "query": query}})
        finally:
            _operation_context.reset(started)


def _too_many(limit: int) -> GraphQLError:
    return GraphQLError(
        f"一个连接至多 {limit} 个订阅 / at most {limit} subscriptions per connection",
        extensions={"code": "TOO_MANY_SUBSCRIPTIONS", "limit": limit},
    )
