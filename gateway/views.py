"""A GraphQL type filled from a contract view without writing each field out again.

strawberry's pydantic integration would also generate the fields, but it gives a field
the contract's description over the one the GraphQL type declares, which would rewrite
schema.graphql; so the GraphQL types stay declared as they are and only the copying is
shared."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel

T = TypeVar("T")


def from_view(cls: type[T], view: BaseModel, **computed: Any) -> T:
    """`cls` with every field it shares by name with `view` copied as is; `computed`
    gives the rest (renamed, converted to an ID or enum, or derived)."""
    definition = cls.__strawberry_definition__  # type: ignore[attr-defined]
    copied = {
        f.python_name: getattr(view, f.python_name)
        for f in definition.fields
        if f.base_resolver is None and f.python_name not in computed
    }
    return cls(**copied, **computed)
