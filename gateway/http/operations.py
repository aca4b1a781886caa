"""What the HTTP and WebSocket transports share about an operation: its type, read
before execution, and the error an operation past the execution timeout gets."""

from __future__ import annotations

from graphql import GraphQLError, OperationDefinitionNode, OperationType, parse


def operation_type(query: str | None, operation_name: str | None) -> OperationType | None:
    """The type of the operation a request names (the first, if it names none); None
    when the document does not parse or holds no such operation — execution then
    reports that as usual."""
    if not query:
        return None
    try:
        document = parse(query)
    except GraphQLError:
        return None
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode) and (
            operation_name is None
            or (definition.name is not None and definition.name.value == operation_name)
        ):
            return definition.operation
    return None


def timed_out() -> GraphQLError:
    """Cancelling the operation cancels its pending NATS requests too."""
    return GraphQLError(
        "the operation took too long and was cancelled", extensions={"code": "TIMEOUT"}
    )
