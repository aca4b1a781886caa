"""The typed errors every mutation may return: each returns `Success | <errors>`, and a
client switches on the type. Each domain's own error types are in its `errors.py`;
gateway/mutation.py maps every domain error code to one of them."""

from __future__ import annotations

import strawberry

from kit.auth import AuthFailure


@strawberry.interface(description="Something the caller can fix or retry; `code` is stable.")
class Error:
    message: str
    code: str


@strawberry.type(description="An input field is invalid; `field` names it (camelCase).")
class ValidationError(Error):
    field: str | None


# The domain enum itself becomes the GraphQL enum, so the two cannot drift apart.
strawberry.enum(AuthFailure, name="NotAuthorizedReason", description="Why a request was refused.")


@strawberry.type(
    description="No valid token, an expired one, or a role that may not do this. "
    "Objects you may not see are reported as not found instead."
)
class NotAuthorized(Error):
    reason: AuthFailure


@strawberry.type(description="A service did not answer in time; retrying later may succeed.")
class ServiceUnavailable(Error):
    request_id: str


CommonErrors = NotAuthorized | ServiceUnavailable | ValidationError
"""What any mutation with an input may answer besides its own errors."""


def camel(path: str | None) -> str | None:
    """A field path (`period_end`, `outlets.0.code`) in the client's camelCase, each
    segment converted, so a nested input names the exact element that is wrong."""
    if not path:
        return None
    return ".".join(_camel_segment(part) for part in path.split("."))


def _camel_segment(part: str) -> str:
    head, *rest = part.split("_")
    return head + "".join(p.title() for p in rest)
