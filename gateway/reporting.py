"""An error as the client reads it: an expected one with its stable `extensions.code` and
its message in the caller's language, an unexpected one logged with its stack and the
request id, then masked as "internal error". Used for HTTP (gateway/schema.py) and for
operations over the WebSocket (gateway/http/websocket.py)."""

from __future__ import annotations

from graphql import FieldNode, GraphQLError, VariableDefinitionNode

from contracts.core import DomainError, RemoteError, ValidationFailed
from gateway.errors import camel
from gateway.i18n.language import DEFAULT, Language
from gateway.i18n.say import error_message
from kit.logging import get_logger

log = get_logger(__name__)


def report(error: GraphQLError, request_id: str, language: Language = DEFAULT) -> GraphQLError:
    original = error.original_error
    if original is None:  # syntax, validation, limits: the client's own doing
        return error
    if _is_variable_error(error):
        # A variable's value did not coerce to its type (null for `ID!`, a bad Date):
        # graphql-core keeps the scalar's exception as the original error, but the
        # input is the caller's to fix, like any other validation error.
        error.extensions = {
            **(error.extensions or {}),
            "code": ValidationFailed.code.upper(),
            "requestId": request_id,
        }
        return error
    if isinstance(original, DomainError) and not _service_fault(original):
        # The same words as a mutation's typed error, in the caller's language.
        error.message = error_message(original, language)
        # A query's refused argument names itself, as a mutation's ValidationError does.
        field = {"field": _argument_path(error, original.field)} if original.field else {}
        error.extensions = {
            **(error.extensions or {}),
            "code": original.code.upper(),
            **field,
            "requestId": request_id,
        }
        return error
    log.error("graphql.unexpected_error", path=error.path, request_id=request_id, exc_info=original)
    return GraphQLError(
        "internal error",
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions={"code": "INTERNAL", "requestId": request_id},
    )


def _argument_path(error: GraphQLError, contract_path: str) -> str:
    """A service names the field of its request contract (`filter.period_label`); the
    caller wrote an argument of the field it queried (`periodLabel`). The contract path
    is read from its first segment that is one of those arguments, camelCased; a path
    that names none of them stays whole (camelCased)."""
    path = camel(contract_path) or contract_path
    arguments = {
        argument.name.value
        for node in error.nodes or ()
        if isinstance(node, FieldNode)
        for argument in node.arguments or ()
    }
    segments = path.split(".")
    for start, segment in enumerate(segments):
        if segment in arguments:
            return ".".join(segments[start:])
    return path


def _is_variable_error(error: GraphQLError) -> bool:
    return error.path is None and any(
        isinstance(node, VariableDefinitionNode) for node in error.nodes or ()
    )


def _service_fault(error: DomainError) -> bool:
    """A service's own unexpected failure, relayed over NATS: a server fault like one in
    the gateway (INTERNAL, logged), not a domain error the caller could act on."""
    return isinstance(error, RemoteError) and error.remote_code == "internal"
