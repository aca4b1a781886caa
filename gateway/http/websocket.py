"""graphql-transport-ws with the gateway's persisted-query rules.

An operation sent over a WebSocket (a subscription, or a query or mutation the
protocol also allows) goes through the same resolution as one sent by POST: in
allow-list mode only registered operations run, by hash (`extensions.
persistedQuery`) or identical text. A refused operation gets the protocol's
`error` message for its id, with the persisted-query code, and the connection
stays open for the client's other operations.
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import SubscribeMessage

from gateway.persisted import PersistedQueries, PersistedQueryError


class PersistedTransportWSHandler(BaseGraphQLTransportWSHandler[Any, Any]):
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
            error = GraphQLError(refused.message, extensions={"code": refused.code})
            await self.send_message(
                {"id": message["id"], "type": "error", "payload": [error.formatted]}
            )
            return
        if query is None:
            await self.handle_invalid_message("Failed to parse message")  # no query, no hash
            return
        # One context serves the whole connection: its loaders must not hand this
        # operation what an earlier one cached.
        self.context.loaders.forget()
        await super().handle_subscribe({**message, "payload": {**payload, "query": query}})
