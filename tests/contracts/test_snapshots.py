"""Contracts and the GraphQL schema are committed; a change that is not exported fails."""

from __future__ import annotations

from cli.commands import export_schema


def test_schema_graphql_and_contract_json_schemas_are_up_to_date(capsys):
    assert export_schema(check=True) == 0, capsys.readouterr().out
