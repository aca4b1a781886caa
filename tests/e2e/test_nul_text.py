"""Text holding a NUL character (U+0000), sent through the gateway to services on
PostgreSQL (which cannot store it): a validation error naming the field, never an
INTERNAL error. The first case is the fuzzer's finding (tests/fuzz), as it shrank it."""

from __future__ import annotations

from kit.ids import new_id
from tests.e2e.harness import CREATE_UNIT, RunningSystem, new_uscc, token

AGENCY = f"agency:{new_id()}"


def test_a_nul_in_a_querys_text_is_a_validation_error(production_system: RunningSystem):
    pm = token(AGENCY, "project_manager")
    body = production_system.api.gql(
        '{ agencyResults(periodLabel: "\\u0000") { periodLabel } }', None, pm
    )
    [error] = body["errors"]
    assert error["extensions"]["code"] == "VALIDATION_FAILED", body
    assert (error["message"], error["extensions"]["field"]) == (
        "文本不能包含空字符 (U+0000)",
        "periodLabel",
    ), body
    assert body["data"] == {"agencyResults": None}


async def test_a_nul_in_a_mutations_text_is_a_validation_error_and_writes_nothing(
    production_system: RunningSystem,
):
    pm = token(AGENCY, "project_manager")
    name = "绿源\x00化工有限公司"
    unit = {"name": name, "uscc": new_uscc(), "industryCode": "C2614", "address": "深圳市"}
    body = production_system.api.gql(CREATE_UNIT, {"input": unit}, pm)
    assert "errors" not in body, body
    result = body["data"]["createUnit"]
    assert (result["__typename"], result["field"]) == ("ValidationError", "name"), result
    count = "SELECT count(*) FROM unit WHERE uscc = :u"
    assert await production_system.count("engagement", count, u=unit["uscc"]) == 0
