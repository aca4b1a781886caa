"""The directory over GraphQL: 表 A.1 basic information, agencies, people and experts,
fee terms — with their authorization."""

from __future__ import annotations

import base64

from kit.ids import new_id
from tests.e2e.harness import CREATE_ENGAGEMENT, RunningSystem, new_uscc, token

PROFILE = """
mutation($input: UnitProfileInput!) {
  updateUnitProfile(input: $input) {
    __typename
    ... on UpdateUnitProfileSuccess { unit { profile { legalRepresentative scale latitude
      businessTermEnd outlets { code name } } } }
    ... on Error { code message }
    ... on ValidationError { field }
    ... on NotAuthorized { reason }
  }
}"""

OUTLETS = [{"code": "DA001", "name": "锅炉废气排放口"}, {"code": "DW001", "name": "废水总排口"}]


def test_R4_2_2_3_unit_basic_information_and_hj608_outlets(system: RunningSystem):
    agency = str(new_id())
    admin = token(f"agency:{agency}", "agency_admin")
    unit = system.api.create_unit(admin)["unit"]
    profile = {
        "unitId": unit["id"],
        "legalRepresentative": "张三",
        "latitude": "22.543096",
        "longitude": "114.057865",
        "industryType": "化学原料和化学制品制造业",
        "scale": "medium",
        "businessTermStart": "2010-01-01",
        "outlets": OUTLETS,
    }
    body = system.api.gql(PROFILE, {"input": profile}, admin)["data"]["updateUnitProfile"]
    assert body["__typename"] == "UpdateUnitProfileSuccess", body
    saved = body["unit"]["profile"]
    assert (saved["legalRepresentative"], saved["scale"], saved["latitude"]) == (
        "张三",
        "medium",
        "22.543096",
    )
    assert saved["businessTermEnd"] is None  # 长期
    assert saved["outlets"] == OUTLETS

    bad = {**profile, "outlets": [{"code": "DX001", "name": "?"}]}
    result = system.api.gql(PROFILE, {"input": bad}, admin)["data"]["updateUnitProfile"]
    assert (result["__typename"], result["field"]) == ("ValidationError", "outlets.0.code")
    dupes = {**profile, "outlets": [OUTLETS[0], OUTLETS[0]]}
    result = system.api.gql(PROFILE, {"input": dupes}, admin)["data"]["updateUnitProfile"]
    assert (result["__typename"], result["field"]) == ("ValidationError", "outlets")

    # The unit's own admin may keep it too; another agency and a viewer may not.
    unit_uuid = base64.b64decode(unit["id"]).decode().split(":", 1)[1]
    own = token(f"unit:{unit_uuid}", "client_admin")
    assert (
        system.api.gql(PROFILE, {"input": profile}, own)["data"]["updateUnitProfile"]["__typename"]
        == "UpdateUnitProfileSuccess"
    )
    outsider = token(f"agency:{new_id()}", "agency_admin")
    denied = system.api.gql(PROFILE, {"input": {**profile, "legalRepresentative": "X"}}, outsider)
    assert denied["data"]["updateUnitProfile"]["__typename"] == "UnitNotFound"
    viewer = token(f"unit:{unit_uuid}", "client_viewer")
    denied = system.api.gql(PROFILE, {"input": {**profile, "legalRepresentative": "X"}}, viewer)
    assert denied["data"]["updateUnitProfile"]["reason"] == "PERMISSION_DENIED"
    check = system.api.gql(
        "query($id: ID!) { unit(id: $id) { profile { legalRepresentative } } }",
        {"id": unit["id"]},
        admin,
    )
    assert check["data"]["unit"]["profile"]["legalRepresentative"] == "张三"


def test_agency_profile_people_and_expert_pool(system: RunningSystem):
    agency = str(new_id())
    admin = token(f"agency:{agency}", "agency_admin")
    engineer = token(f"agency:{agency}", "engineer")
    register = """mutation($input: RegisterAgencyInput!) { registerAgency(input: $input) {
      __typename ... on RegisterAgencySuccess { agency { id name uscc qualifications } }
      ... on Error { code } ... on NotAuthorized { reason } } }"""
    code = new_uscc("440300")
    made = system.api.gql(
        register,
        {"input": {"name": "绿盾环保", "uscc": code, "qualifications": ["环保管家"]}},
        admin,
    )["data"]["registerAgency"]
    assert made["__typename"] == "RegisterAgencySuccess"
    assert made["agency"] == {
        "id": agency,
        "name": "绿盾环保",
        "uscc": code,
        "qualifications": ["环保管家"],
    }
    bad = system.api.gql(register, {"input": {"name": "x", "uscc": "123"}}, admin)
    assert bad["data"]["registerAgency"]["__typename"] == "InvalidUSCC"
    denied = system.api.gql(register, {"input": {"name": "x", "uscc": code}}, engineer)
    assert denied["data"]["registerAgency"]["reason"] == "PERMISSION_DENIED"

    add = """mutation($input: AddPersonInput!) { addPerson(input: $input) { __typename
      ... on AddPersonSuccess { person { name expert expertise } }
      ... on NotAuthorized { reason } } }"""
    for person in (
        {"name": "王工", "title": "项目经理", "qualifications": ["注册环保工程师"]},
        {"name": "赵教授", "title": "外聘专家", "expert": True, "expertise": ["污泥处置"]},
    ):
        result = system.api.gql(add, {"input": person}, admin)["data"]["addPerson"]
        assert result["__typename"] == "AddPersonSuccess"
    denied = system.api.gql(add, {"input": {"name": "x", "title": "y"}}, engineer)
    assert denied["data"]["addPerson"]["reason"] == "PERMISSION_DENIED"

    everyone = system.api.gql("{ people { name } myAgency { name } }", None, engineer)["data"]
    assert [p["name"] for p in everyone["people"]] == ["王工", "赵教授"]
    assert everyone["myAgency"]["name"] == "绿盾环保"
    experts = system.api.gql("{ people(expertsOnly: true) { name expertise } }", None, engineer)
    assert experts["data"]["people"] == [{"name": "赵教授", "expertise": ["污泥处置"]}]
    other = token(f"agency:{new_id()}", "engineer")
    assert system.api.gql("{ people { name } }", None, other)["data"]["people"] == []
    assert system.api.gql("{ people { name } myAgency { name } }")["data"] == {
        "people": [],
        "myAgency": None,
    }


def test_R4_2_1_fee_terms_are_recorded_with_the_agreement(system: RunningSystem):
    agency = str(new_id())
    admin = token(f"agency:{agency}", "agency_admin")
    unit = system.api.create_unit(admin)["unit"]
    variables = {
        "input": {
            "unitId": unit["id"],
            "serviceModes": ["ROVING"],
            "periodStart": "2027-01-01",
            "periodEnd": "2027-12-31",
            "feeTerms": {"amount": "120000.00", "basis": "on_results", "schedule": "按季度"},
        }
    }
    made = system.api.gql(CREATE_ENGAGEMENT, variables, admin)["data"]["createEngagement"]
    assert made["__typename"] == "CreateEngagementSuccess"
    query = (
        "query($id: ID!) { engagement(id: $id) { feeTerms { amount currency basis schedule } } }"
    )
    fees = system.api.gql(query, {"id": made["engagement"]["id"]}, admin)["data"]["engagement"]
    assert fees["feeTerms"] == {
        "amount": "120000.00",
        "currency": "CNY",
        "basis": "on_results",
        "schedule": "按季度",
    }
    regulator = token("region:44", "regulator")
    seen = system.api.gql(query, {"id": made["engagement"]["id"]}, regulator)["data"]["engagement"]
    assert seen == {"feeTerms": None}  # regulators read the engagement, not its fees
    negative = {**variables["input"], "feeTerms": {"amount": "-1"}}
    refused = system.api.gql(CREATE_ENGAGEMENT, {"input": negative}, admin)["data"]
    assert refused["createEngagement"]["__typename"] == "ValidationError"
