"""How `RpcClient` reads a service's reply: the wire envelope, the two decoders and the
typed error for a reply that fits neither.

A reply is `{"ok": true, "result": …}` or `{"ok": false, "error": {…}}` (`kit.rpc`). A
decoder turns its bytes into `(result, None)` or `(None, error)`, the error being the
dict `DomainError.from_dict` rebuilds. Two decoders:

- `validated_replies` (the default): pydantic validates the whole reply into the
  contract's models, validators and constraints included. The services use it: they
  hand replies on to other contracts (`model_copy`, nesting), which need the models.
- `kit.reply_structs.struct_replies`: msgspec decodes into plain structs shaped like the
  contract models, about ten times cheaper; the gateway uses it (`gateway/app.py`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Literal

from pydantic import BaseModel, TypeAdapter, ValidationError, create_model

from contracts.core import Contract, RemoteError, Rpc

Decoded = tuple[Any, dict[str, Any] | None]
"""`(result, None)` for an answer, `(None, error)` for a refusal."""

ReplyDecoder = Callable[[Rpc[Any, Any], bytes], Decoded]
"""Reads one reply to `rpc`; raises `UndecodableReply` if it does not fit the contract."""


class UndecodableReply(RemoteError):
    """A reply that does not fit its contract: the service and its caller disagree on the
    contract (versions apart) or the service has a bug. Neither is the user's to fix, so
    it is reported as the service's internal error (masked and logged by the gateway,
    `gateway/reporting.py`), never as bad input: pydantic's `ValidationError` would
    otherwise read as one to a handler that called another service."""

    def __init__(self, rpc: Rpc[Any, Any], reason: str) -> None:
        super().__init__(
            "internal",
            "the {service} service answered {rpc} with a reply that does not fit its contract",
            details={"rpc": rpc.subject, "reason": reason},
            params={"service": rpc.service, "rpc": rpc.subject},
        )


class _Failed(BaseModel):
    ok: Literal[False]
    error: dict[str, Any]


@functools.cache
def _reply_adapter(response: type[Contract]) -> TypeAdapter[Any]:
    """Validates a whole reply, result included, in one pass from JSON (per response type;
    there are a few dozen, built once)."""
    ok = create_model(f"{response.__name__}Reply", ok=(Literal[True], ...), result=(response, ...))
    return TypeAdapter(ok | _Failed)


def validated_replies(rpc: Rpc[Any, Any], data: bytes) -> Decoded:
    try:
        response: type[Contract] = rpc.response
        reply = _reply_adapter(response).validate_json(data)
    except ValidationError as exc:
        raise UndecodableReply(rpc, str(exc)) from exc
    if isinstance(reply, _Failed):
        return None, reply.error
    return reply.result, None
