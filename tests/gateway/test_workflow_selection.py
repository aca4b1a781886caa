"""The workflow lists an operation selects, as the gateway asks the engagement service
for them (`WorkflowRequest.parts`): never one too few, fragments included."""

from __future__ import annotations

from graphql import FragmentDefinitionNode, OperationDefinitionNode, parse

from gateway.engagement.selection import workflow_parts


def parts_of(query: str) -> tuple[str, ...]:
    doc = parse(query)
    [operation] = [d for d in doc.definitions if isinstance(d, OperationDefinitionNode)]
    fragments = {d.name.value: d for d in doc.definitions if isinstance(d, FragmentDefinitionNode)}
    return workflow_parts(operation, fragments)


def test_the_dashboard_asks_for_list_items_and_the_checklist_only():
    query = """{ engagements(first: 50) { edges { node {
        id contractedTeamSize contractSignedOn
        listItems { id overdue } checklist { completeness } } } } }"""
    assert parts_of(query) == ("checklist_counts", "list_items")


def test_the_checklist_documents_are_asked_for_when_listed():
    for listed in ("items { code status }", "missing { code }"):
        query = '{ engagement(id: "x") { checklist { completeness ' + listed + " } } }"
        assert parts_of(query) == ("checklist",)


def test_scalar_workflow_fields_ask_for_no_list():
    assert parts_of('{ engagement(id: "x") { contractSignedOn handedOverOn deliverables } }') == ()


def test_lists_in_fragments_and_inline_fragments_count():
    query = """
    query { node(id: "x") { ...E ... on Engagement { team { name } } } }
    fragment E on Engagement { records { id } rectifications { id } }"""
    assert parts_of(query) == ("records", "rectifications", "team")


def test_versions_anywhere_ask_for_the_revisions():
    query = """{ engagement(id: "x") {
        listItems { versions { version } } planVersions { version } stageReports { version } } }"""
    assert parts_of(query) == ("list_items", "plan_versions", "revisions", "stage_reports")


def test_the_same_operation_is_answered_from_the_cache():
    doc = parse('{ engagement(id: "x") { listItems { id } } }')
    [operation] = doc.definitions
    assert isinstance(operation, OperationDefinitionNode)
    first = workflow_parts(operation, {})
    assert workflow_parts(operation, {}) is first
