"""Federation 2 for government platforms: `_service { sdl }` behind authorization.

strawberry's federation schema adds `_service` and `_entities` to Query; a field of
the same name on our Query replaces its `_service`. The SDL describes every type
and field, as introspection would, so it is given only to callers that may read
the schema (`schema, read`: a platform's router with a regulator token, or an
agency admin); anyone else gets null. `_entities` stays strawberry's and calls
each entity's `resolve_reference`, which applies the same checks as `node`; the
schema (`CappedFederationSchema`) refuses more than `MAX_ENTITIES` representations
in one call, as `nodes` refuses more than 100 ids: the cost limit counts a variable
list at that maximum, so a longer one must never run; and a representation that is not
an object with a string `__typename` is the caller's bad input, not an internal error.
"""

from __future__ import annotations

from functools import cache

import strawberry
from strawberry.federation.schema import FederationAny
from strawberry.federation.schema import Schema as FederationSchema
from strawberry.printer import print_schema
from strawberry.types import Info

from contracts.core import ValidationFailed
from gateway.context import Context

MAX_ENTITIES = 100
"""Representations per `_entities` call."""


class CappedFederationSchema(FederationSchema):
    """strawberry's federation schema, with `_entities` refusing an oversized list."""

    def entities_resolver(
        self, info: Info, representations: list[FederationAny]
    ) -> list[FederationAny]:
        if len(representations) > MAX_ENTITIES:
            raise ValidationFailed(
                "at most {max} representations per call",
                field="representations",
                params={"max": MAX_ENTITIES},
            )
        for index, representation in enumerate(representations):
            # strawberry pops `__typename` from each one: anything else would fail
            # inside it as an internal error instead of the caller's bad input.
            if not isinstance(representation, dict) or not isinstance(
                representation.get("__typename"), str
            ):
                raise ValidationFailed(
                    "each representation must be an object with a string __typename",
                    field=f"representations.{index}",
                )
        return super().entities_resolver(info, representations)


@strawberry.type(name="_Service", description="This subgraph's SDL, for a federated router.")
class ServiceSDL:
    sdl: str


@cache
def _sdl(schema: FederationSchema) -> str:
    # Printed once per schema: the SDL of a running process never changes.
    return print_schema(schema)


@strawberry.type
class FederationQueries:
    @strawberry.field(
        name="_service", description="Federation: this subgraph's SDL; null unless you may read it."
    )
    def federation_service(self, info: Info[Context, None]) -> ServiceSDL | None:
        if not info.context.authorizer.can("schema", "read"):
            return None
        schema = info.schema
        assert isinstance(schema, FederationSchema)
        return ServiceSDL(sdl=_sdl(schema))
