"""Query limits are enforced during validation, with the validation cache on."""

from __future__ import annotations

import pytest

from gateway.schema import build_schema


@pytest.fixture(scope="module")
def schema():
    return build_schema(max_depth=3, max_aliases=2, max_tokens=200)


DEEP = """{
  engagement(id: "x") { unit { name } trace { seq } }
  engagements { edges { node { unit { name } } } }
}"""


async def test_a_query_deeper_than_the_limit_is_refused(schema):
    for _ in range(2):  # the second run comes from the validation cache
        result = await schema.execute(DEEP)
        assert result.errors
        assert "exceeds maximum operation depth" in result.errors[0].message


async def test_too_many_aliases_are_refused(schema):
    result = await schema.execute(
        "{ a: viewer { userId } b: viewer { userId } c: viewer { userId } }"
    )
    assert result.errors
    assert "aliases" in result.errors[0].message.lower()


async def test_too_many_tokens_are_refused(schema):
    result = await schema.execute("{ " + "viewer { userId } " * 60 + "}")
    assert result.errors
    assert "token" in result.errors[0].message.lower()


async def test_production_refuses_introspection():
    prod = build_schema(production=True)
    result = await prod.execute("{ __schema { types { name } } }")
    assert result.errors
    assert "introspection" in result.errors[0].message.lower()
