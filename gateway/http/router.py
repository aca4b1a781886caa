"""strawberry's FastAPI router with what the gateway adds at the HTTP layer.

* POST takes `Content-Type: application/json` exactly: a cross-site form
  (`text/plain`, `multipart/form-data`, urlencoded) needs no CORS preflight, so
  accepting one would let another site act with a user's cookies.
* GET runs queries only when `get_queries` is on (development; GraphQL over HTTP
  allows it). A mutation or subscription by GET always gets 405 with `Allow: POST`,
  so nothing changes through a link or an <img>. With `get_queries` off (production)
  GET serves nothing but GraphiQL, where enabled, and answers 405 otherwise.
* `Accept: application/graphql-response+json` (GraphQL over HTTP): that media type
  in the reply, and 400 when the request failed before execution (no `data`).
  Plain `application/json` clients keep getting 200, as the spec asks.
* Persisted queries (gateway/persisted.py) resolve the query text first, for
  POST and GET and for operations sent over graphql-transport-ws (the only
  WebSocket protocol served; gateway/http/websocket.py).
* An execution timeout cancels an operation that runs too long.
* POST has a route of its own (`handle_post`, ahead of strawberry's): it makes the
  context FastAPI's dependency would make and, for the common request (one JSON
  operation), reads the body and runs it through the same steps as strawberry's view
  without its generic request pipeline — FastAPI solving the route's dependencies,
  the request adapter, the body parser's cases for GET, multipart and batches. Anything
  else (a batch, a body that is not one JSON object of the expected fields, a refused
  Content-Type) goes to strawberry's `run` unchanged. Same status, headers and bytes
  (tests/gateway/test_post_route.py).
* A WebSocket whose credentials are present but refused (the handshake's
  `Authorization` header, or the one in `connection_init`'s payload: malformed,
  badly signed or expired) is closed at `connection_init` with graphql-transport-ws's
  `4403: Forbidden`, instead of running on as anonymous.
"""

from __future__ import annotations

import asyncio
import contextvars
import inspect
import json
from collections.abc import Awaitable, Callable
from typing import Any

from cross_web import AsyncHTTPRequestAdapter, HTTPException, StarletteRequestAdapter
from fastapi import BackgroundTasks, Request, Response, WebSocket
from graphql import OperationType
from starlette.responses import PlainTextResponse
from starlette.routing import Match, Route
from starlette.types import Scope
from strawberry.exceptions import ConnectionRejectionError, InvalidCustomContext
from strawberry.fastapi import BaseContext, GraphQLRouter
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.http.parse_content_type import parse_content_type
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult
from strawberry.types.unset import UNSET

from gateway.context import Context
from gateway.http.operations import operation_type, timed_out
from gateway.http.websocket import PersistedTransportWSHandler
from gateway.persisted import PersistedQueries, PersistedQueryError
from kit import tracing

GRAPHQL_RESPONSE = "application/graphql-response+json"
_wants_graphql_response: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "wants_graphql_response", default=False
)


class GatewayRouter(GraphQLRouter[Any, None]):
    graphql_transport_ws_handler_class = PersistedTransportWSHandler

    def __init__(
        self,
        schema: Any,
        *,
        persisted: PersistedQueries,
        execution_timeout: float,
        max_subscriptions: int = 10,
        get_queries: bool = False,
        context_getter: Callable[[Request], Awaitable[Any]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            schema,
            **kwargs,
            allow_queries_via_get=get_queries,
            # graphql-transport-ws only: the legacy subscriptions-transport-ws
            # protocol is unmaintained and would bypass the persisted-query rules.
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            context_getter=context_getter,
        )
        # The own POST route (`post_route`) makes the context itself: from a context
        # getter that takes the request alone, as the gateway's does.
        self.request_context = (
            context_getter
            if inspect.iscoroutinefunction(context_getter)
            and len(inspect.signature(context_getter).parameters) == 1
            else None
        )
        # …and serves what strawberry's view would answer with one JSON document: no
        # root value getter, no HTTP streaming transport (multipart or SSE
        # subscriptions), no incremental delivery.
        self._serves_plain_posts = (
            self.request_context is not None
            and "root_value_getter" not in kwargs
            and not self._stream_transport_map
            and not schema.config.enable_experimental_incremental_execution
        )
        self.persisted = persisted
        self.execution_timeout = execution_timeout
        self.max_subscriptions = max_subscriptions
        self.get_queries = get_queries

    async def run(  # type: ignore[override]
        self, request: Request | WebSocket, context: Any = UNSET, root_value: Any = UNSET
    ) -> Response | WebSocket:
        if isinstance(request, WebSocket):
            return await super().run(request, context=context, root_value=root_value)
        if refusal := self._refusal(request):
            return refusal
        _wants_graphql_response.set(GRAPHQL_RESPONSE in request.headers.get("accept", ""))
        try:
            return await super().run(request, context=context, root_value=root_value)
        except _NotByGet:
            return _post_only("only queries may be sent with GET; use POST")

    def post_route(self, path: str) -> Route | None:
        """The POST route at `path`, to be added ahead of this router's own routes so it
        is the one that matches (GET, the WebSocket and the IDE stay strawberry's);
        None where this router's setup needs strawberry's route."""
        if not self._serves_plain_posts:
            return None
        return UntracedPostRoute(path, self.handle_post, methods=["POST"])

    async def handle_post(self, request: Request) -> Response:
        """POST /graphql. The context is made as strawberry's FastAPI dependency makes
        it (a sub-response without status or headers, the request's background tasks);
        one JSON operation is run here, anything else by strawberry's `run`."""
        sub_response = Response()
        del sub_response.headers["content-length"]
        sub_response.status_code = None  # type: ignore[assignment]
        background = BackgroundTasks()
        assert self.request_context is not None, "post_route is only given to such routers"
        context = await self.request_context(request)
        if isinstance(context, BaseContext):
            context.request, context.background_tasks = request, background
            context.response = sub_response
        elif isinstance(context, dict | None):  # strawberry's default, under the getter's
            default = {"request": request, "background_tasks": background}
            context = {**default, "response": sub_response, **(context or {})}
        else:
            raise InvalidCustomContext
        try:
            response = await self._post(request, context, sub_response)
        except HTTPException as e:
            response = PlainTextResponse(e.reason, status_code=e.status_code)
        if response.background is None:
            response.background = background
        return response

    async def _post(self, request: Request, context: Any, sub_response: Response) -> Response:
        if refusal := self._refusal(request):
            return refusal
        data = _operation_of(await request.body())
        if data is None:
            return await self._by_strawberry(request, context, sub_response)
        _wants_graphql_response.set(GRAPHQL_RESPONSE in request.headers.get("accept", ""))
        request_data = GraphQLRequestData(
            query=data.get("query"),
            variables=data.get("variables"),
            operation_name=data.get("operationName"),
            extensions=data.get("extensions"),
            protocol="http",
        )
        result = await self.execute_single(
            request, StarletteRequestAdapter(request), sub_response, context, None, request_data
        )
        response_data = await self.process_result(request, result)
        if result.errors:
            self._handle_errors(result.errors, response_data)
        return self.create_response(response_data, sub_response)

    async def _by_strawberry(
        self, request: Request, context: Any, sub_response: Response
    ) -> Response:
        """What strawberry's own POST route does once FastAPI has made its arguments."""
        self.temporal_response = sub_response
        response = await self.run(request, context=context, root_value=None)
        assert isinstance(response, Response)
        return response

    async def on_ws_connect(self, context: Any) -> Any:
        """`connection_init`: refuse credentials that were sent but do not hold, so a
        client never mistakes an anonymous connection for its own."""
        if isinstance(context, Context):
            refused = context.auth_error or context.for_subscription().auth_error
            if refused is not None:
                raise ConnectionRejectionError({"reason": refused.reason.value})
        return await super().on_ws_connect(context)

    def _refusal(self, request: Request) -> Response | None:
        if request.method == "GET":
            if self.get_queries:
                return None
            adapter = self.request_adapter_class(request)
            if self.graphql_ide and self.should_render_graphql_ide(adapter):
                return None
            return _post_only("GraphQL operations are sent with POST")
        if media_type(request.headers.get("content-type", "")) != "application/json":
            return PlainTextResponse("Content-Type must be application/json", 415)
        return None

    async def execute_single(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Response,
        context: Any,
        root_value: Any,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        try:
            request_data.query = self.persisted.resolve(request_data.query, request_data.extensions)
        except PersistedQueryError as refused:
            return ExecutionResult(data=None, errors=[refused.as_graphql_error()])
        if request.method == "GET" and operation_type(
            request_data.query, request_data.operation_name
        ) not in (None, OperationType.QUERY):
            raise _NotByGet
        try:
            async with asyncio.timeout(self.execution_timeout):
                return await super().execute_single(
                    request, request_adapter, sub_response, context, root_value, request_data
                )
        except TimeoutError:
            return ExecutionResult(data=None, errors=[timed_out()])

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        response = await super().process_result(request, result)
        if _wants_graphql_response.get() and _is_request_error(result):
            response.pop("data", None)  # GraphQL over HTTP: no `data` when nothing executed
        return response

    def create_response(
        self,
        response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
        sub_response: Response,
    ) -> Response:
        response = super().create_response(response_data, sub_response)
        if _wants_graphql_response.get():
            response.headers["content-type"] = GRAPHQL_RESPONSE
            if isinstance(response_data, dict) and "data" not in response_data:
                response.status_code = 400
        return response


class UntracedPostRoute(Route):
    """Matches a POST, and only while tracing is off: on, FastAPI's telemetry follows
    its own routes (spans for the dependencies and the endpoint), so strawberry's route
    serves. Another method is no match at all, not a partial one: the 405 and its
    `Allow` header stay those of strawberry's routes, which come first for it."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope.get("method") != "POST" or tracing.enabled():
            return Match.NONE, {}
        return super().matches(scope)


class _NotByGet(Exception):
    """A mutation or subscription sent with GET: 405 before anything runs."""


def _operation_of(body: bytes) -> dict[str, Any] | None:
    """The body as one operation, when strawberry's parser would take it as one without
    complaint: a JSON object whose `query` is a string or null and whose `variables`
    and `extensions` are objects or null. Anything else (None) goes to strawberry,
    which answers it as before (a batch, or a 400 with its message)."""
    try:
        data = json.loads(body)
    except ValueError:  # JSONDecodeError, or bytes that are not UTF-8/16/32
        return None
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("query"), str | None)
        or not isinstance(data.get("variables"), dict | None)
        or not isinstance(data.get("extensions"), dict | None)
    ):
        return None
    return data


def media_type(content_type: str) -> str:
    """The header's media type, as strawberry's `parse_content_type` reads it; the usual
    header, exactly `application/json`, without its parser (an email message per
    request, ~20 Python calls)."""
    if content_type == "application/json":
        return content_type
    return parse_content_type(content_type)[0]


def _post_only(message: str) -> Response:
    return PlainTextResponse(message, 405, headers={"Allow": "POST"})


def _is_request_error(result: ExecutionResult) -> bool:
    """Nothing executed: parse, validation, persisted-query or timeout errors carry no
    path, unlike field errors."""
    return (
        result.data is None
        and bool(result.errors)
        and all(e.path is None for e in result.errors or ())
    )
