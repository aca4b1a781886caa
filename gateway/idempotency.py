"""`Idempotency-Key`: a client that got no answer to a mutation may send it again.

A mutation whose answer was lost (a timeout, a dropped connection, a refused
`ServiceUnavailable` after the command had in fact committed) cannot be told from
one that never ran. Sent with an `Idempotency-Key` header, each mutation of the
request runs once per key: sending the same request again with the same key returns
the first answer and changes nothing (the services keep answers for 24 hours,
`kit.idempotency`).

The key is the client's (a UUID per user action is the usual choice), scoped to the
caller's tenant and user, and within a request to each mutation's response path (its
alias), so one request may carry several mutations under one key. Reusing a key for
another request is refused as a `ValidationError` on `idempotencyKey`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from strawberry.types import Info

from contracts.core import ValidationFailed
from gateway.context import Context
from kit.rpc import IDEMPOTENCY, IdempotencyScope

HEADER = "Idempotency-Key"
MAX_LENGTH = 128


@contextmanager
def mutation_scope(info: Info[Context, None]) -> Iterator[None]:
    """While one mutation sends its commands: each goes with a key of its own, derived
    from the request's `Idempotency-Key` and the mutation's response path."""
    ctx = info.context
    raw = ctx.idempotency_key
    if raw is None:
        yield
        return
    if not 0 < len(raw) <= MAX_LENGTH or not raw.isascii() or not raw.isprintable():
        raise ValidationFailed(
            "an Idempotency-Key is 1 to {max} printable ASCII characters",
            field="idempotencyKey",
            params={"max": MAX_LENGTH},
        )
    path = ".".join(str(part) for part in info.path.as_list())
    if path in ctx.idempotent_paths:
        # Batched operations share the header: two with the same path would share a key.
        raise ValidationFailed(
            "the same Idempotency-Key and response path appear twice in one request",
            field="idempotencyKey",
        )
    ctx.idempotent_paths.add(path)
    token = IDEMPOTENCY.set(IdempotencyScope(f"{raw}|{path}"))
    try:
        yield
    finally:
        IDEMPOTENCY.reset(token)
