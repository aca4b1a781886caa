"""Contracts and the GraphQL schema are committed; a change that is not exported fails."""

from __future__ import annotations

from cli.commands import CONTRACT_SCHEMAS, export_schema, rendered_contracts


def test_schema_graphql_and_contract_json_schemas_are_up_to_date(capsys):
    assert export_schema(check=True) == 0, capsys.readouterr().out


def test_every_committed_contract_schema_is_still_exported():
    # A removed subject or event leaves no schema behind that other teams would trust.
    exported = set(rendered_contracts())
    committed = {p.name for p in CONTRACT_SCHEMAS.glob("*.json")}
    assert committed - exported == set()
