"""The static cost estimate: lists multiply what is under them, by the page asked for
or by the most the resolver returns; a field that makes its own service request
costs one, once per parent that may resolve it."""

from __future__ import annotations

import pytest
from graphql import GraphQLField, GraphQLObjectType, OperationDefinitionNode, parse

from gateway.protection.cost import (
    DEFAULT_LIST_SIZE,
    ID_LISTS,
    LIST_MAXIMA,
    OWN_REQUESTS,
    PAGE_ARGUMENTS,
    PAGE_MAXIMA,
    SERVICE_REQUEST,
    operation_cost,
)
from gateway.schema import build_schema

SCHEMA = build_schema()._schema


def cost(query: str) -> int:
    document = parse(query)
    [operation] = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    fragments = {d.name.value: d for d in document.definitions if d is not operation}  # type: ignore[attr-defined]
    return operation_cost(SCHEMA, operation, fragments)


def test_one_object_costs_a_field_each():
    assert cost('{ engagement(id: "x") { id stage unit { name } } }') == 5


def test_a_page_multiplies_by_first_and_edges_are_not_counted_twice():
    query = "{ engagements(first: 50) { totalCount edges { node { id stage } } } }"
    assert cost(query) == 1 + 50 * (1 + 1 + (1 + 2))


def test_a_variable_page_counts_as_the_largest_page():
    assert cost("query($n: Int) { units(first: $n) { edges { node { name } } } }") == 1 + 100 * 3


def test_lists_without_a_page_count_as_default_list_size():
    assert cost('{ engagement(id: "x") { trace { seq } } }') == 1 + (1 + DEFAULT_LIST_SIZE)


def test_fragments_count_like_inline_fields():
    inline = cost("{ units(first: 10) { edges { node { name uscc } } } }")
    spread = cost(
        "query { units(first: 10) { edges { node { ...U } } } } fragment U on Unit { name uscc }"
    )
    assert inline == spread


def test_a_scorecards_xlsx_costs_a_service_request_per_scorecard_of_the_page():
    query = "{ scorecards(first: 100) { edges { node { xlsx { filename } } } } }"
    # scorecards + 100 × (edges + node + (xlsx: a request) + filename)
    assert cost(query) == 1 + 100 * (1 + 1 + SERVICE_REQUEST + 1) == 20_301


def test_suggestions_cost_a_service_request():
    query = '{ scorecard(id: "x") { suggestions { itemCode } } }'
    assert cost(query) == 1 + SERVICE_REQUEST + DEFAULT_LIST_SIZE * 1 == 211


def test_unit_grade_history_counts_its_500_rows():
    assert cost('{ unitGradeHistory(unitId: "x") { grade } }') == 1 + 500 * 1


def test_agency_results_scorecards_count_their_500_rows():
    query = '{ agencyResults(periodLabel: "2024") { scorecards { grade xlsx { filename } } } }'
    assert cost(query) == 1 + (1 + 500 * (1 + SERVICE_REQUEST + 1)) == 101_002


def test_nodes_count_once_per_id_written_and_100_for_a_variable():
    written = '{ nodes(ids: ["a", "b", "c"]) { id } }'
    assert cost(written) == 1 + 3 * 1
    assert cost("query($ids: [ID!]!) { nodes(ids: $ids) { id } }") == 1 + 100 * 1


def test_entities_count_100_representations_for_a_variable():
    query = "query($r: [_Any!]!) { _entities(representations: $r) { ... on Unit { name } } }"
    assert cost(query) == 1 + 100 * 1


def test_a_variable_limit_counts_as_the_resolvers_maximum_not_100():
    assert cost("query($n: Int!) { dueItems(limit: $n) { unitId } }") == 1 + 1000 * 1
    assert cost("query($n: Int!) { checkpoints(first: $n) { number } }") == 1 + 100 * 1


def test_an_absent_limit_counts_as_its_default():
    assert cost("{ dueItems { unitId } }") == 1 + 200 * 1


def test_a_page_above_the_maximum_counts_as_the_maximum():
    assert cost("{ units(first: 5000) { edges { node { name } } } }") == 1 + 100 * 3


def test_every_coordinate_the_cost_model_names_exists_in_the_schema():
    def field(coordinate: str) -> GraphQLField:
        type_name, name = coordinate.split(".")
        parent = SCHEMA.get_type(type_name)
        assert isinstance(parent, GraphQLObjectType), coordinate
        found: GraphQLField = parent.fields[name]
        return found

    for coordinate in OWN_REQUESTS:
        assert field(coordinate), coordinate
    for coordinate in PAGE_MAXIMA:
        assert set(PAGE_ARGUMENTS) & set(field(coordinate).args), coordinate
    for coordinate, (argument, _) in ID_LISTS.items():
        assert argument in field(coordinate).args, coordinate
    for coordinate in LIST_MAXIMA:
        assert "[" in str(field(coordinate).type), coordinate


def test_region_statistics_cost_three_service_requests_and_a_page_of_rows():
    query = """{ regionStatistics(regionPrefix: "44") {
        total { engagements byStage { stage count } }
        rows(first: 50) { key byMode { mode } grades { year } } } }"""
    # one request (to three services) + total (1 + 1 + stages 5 × 2)
    # + 50 rows × (key + byMode (1 + 3 modes × 1) + grades (1 + 10 × 1))
    assert cost(query) == SERVICE_REQUEST + (1 + 1 + 1 + 5 * 2) + 1 + 50 * (1 + 4 + 11)


def test_a_full_page_of_region_statistics_passes_the_default_limit():
    query = """{ regionStatistics(regionPrefix: "44") { rows {
        key label engagements byStage { stage stageZh count } byMode { mode modeZh count }
        overdueTimeNodes overdueObligations rectificationsRaised rectificationsClosed
        closureRate meanDaysToClose recurringProblems recurringRectifications emergencies
        emergenciesInTime meanResponseMinutes complaints complaintsVerified penalties
        penaltyAmount grades { year grade gradeZh count } } } }"""
    assert cost(query) < 20_000


async def test_a_page_of_xlsx_exports_is_refused_under_the_default_limit():
    result = await build_schema().execute(
        "{ scorecards(first: 100) { edges { node { xlsx { filename } } } } }"
    )
    codes = [(e.extensions or {}).get("code") for e in result.errors or []]
    assert codes == ["COST_LIMIT_EXCEEDED"]


@pytest.mark.parametrize(("limit", "refused"), [(10_000, False), (100, True)])
async def test_the_limit_refuses_during_validation(limit: int, refused: bool):
    schema = build_schema(max_cost=limit)
    result = await schema.execute("{ units(first: 50) { edges { node { name } } } }")
    codes = [(e.extensions or {}).get("code") for e in result.errors or []]
    assert ("COST_LIMIT_EXCEEDED" in codes) is refused
