"""The gateway's name converter converts each name once, to what strawberry's would."""

from __future__ import annotations

from strawberry.schema.name_converter import NameConverter

from gateway.schema import CachedNameConverter, schema


def test_names_are_strawberrys_and_converted_once():
    cached, plain = CachedNameConverter(), NameConverter()
    for name in ("include_voided", "first", "after", "due_from", "unit_id", "x"):
        assert cached.apply_naming_config(name) == plain.apply_naming_config(name)
        assert cached.apply_naming_config(name) is cached.apply_naming_config(name)


def test_the_served_schema_uses_it():
    assert isinstance(schema.config.name_converter, CachedNameConverter)
    assert "includeVoided" in schema.as_str()
