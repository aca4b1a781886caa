"""Search over GraphQL: units by part of their Chinese name, USCC, industry code and
region; engagements by their unit's name and period — scoped exactly as the lists are."""

from __future__ import annotations

import random
from typing import Any

from kit.ids import new_id
from tests.e2e.harness import RunningSystem, new_uscc, token

UNITS = """
query($s: String, $industry: String, $region: String) {
  units(first: 50, search: $s, industryCode: $industry, regionCode: $region) {
    totalCount edges { node { name uscc } }
  }
}"""

ENGAGEMENTS = """
query($s: String, $from: Date, $to: Date) {
  engagements(first: 50, search: $s, activeFrom: $from, activeTo: $to) {
    totalCount edges { node { periodStart unit { name } } }
  }
}"""


def _names(api: Any, tok: str | None, **variables: Any) -> list[str]:
    body = api.gql(UNITS, variables, tok)
    assert "errors" not in body, body
    page = body["data"]["units"]
    names = [e["node"]["name"] for e in page["edges"]]
    assert page["totalCount"] == len(names)
    return sorted(names)


def _region() -> str:
    """A region code no other test registers units in (so a regulator's view is ours)."""
    return f"65{random.randint(1000, 9999)}"


def _seed(system: RunningSystem, region: str) -> tuple[str, dict[str, dict[str, Any]]]:
    admin = token(f"agency:{new_id()}", "agency_admin")
    units = {}
    for name, industry in [
        ("江苏某某化工有限公司", "C2614"),
        ("深圳绿源环保科技有限公司", "M7520"),
        ("化工设备工厂", "C3521"),
        ("ＡＢＣ精细化工", "C2662"),
        ("百分之100%达标公司", "C2614"),
    ]:
        made = system.api.create_unit(
            admin, name=name, industryCode=industry, uscc=new_uscc(region)
        )
        units[name] = made["unit"]
    return admin, units


def test_units_by_part_of_the_chinese_name(system: RunningSystem):
    admin, _ = _seed(system, _region())
    api = system.api
    assert _names(api, admin, s="化工") == sorted(
        ["江苏某某化工有限公司", "化工设备工厂", "ＡＢＣ精细化工"]
    )
    # 化工 and 工厂 are both in 化工设备工厂, but not as 化工厂: adjacency is checked.
    assert _names(api, admin, s="化工厂") == []
    assert _names(api, admin, s="绿") == ["深圳绿源环保科技有限公司"]
    # Spaces, full-width letters and case do not matter; LIKE wildcards are plain text.
    assert _names(api, admin, s="某某 化工") == ["江苏某某化工有限公司"]
    assert _names(api, admin, s="abc") == ["ＡＢＣ精细化工"]
    assert _names(api, admin, s="100%") == ["百分之100%达标公司"]
    assert _names(api, admin, s="0%达") == ["百分之100%达标公司"]
    assert _names(api, admin, s="_") == []
    assert _names(api, admin, s="不存在的名字") == []
    assert len(_names(api, admin, s=None)) == 5


def test_units_by_uscc_industry_and_region(system: RunningSystem):
    region = _region()
    admin, units = _seed(system, region)
    api = system.api
    uscc = units["化工设备工厂"]["uscc"]
    assert _names(api, admin, s=uscc) == ["化工设备工厂"]
    assert _names(api, admin, s=uscc[:12].lower()) == ["化工设备工厂"]
    assert _names(api, admin, industry="C26") == sorted(
        ["江苏某某化工有限公司", "ＡＢＣ精细化工", "百分之100%达标公司"]
    )
    assert _names(api, admin, industry="C2614", s="化工") == ["江苏某某化工有限公司"]
    assert len(_names(api, admin, region=region[:4])) == 5
    assert _names(api, admin, region="11") == []


def test_unit_search_is_scoped_as_the_list_is(system: RunningSystem):
    region = _region()
    _, units = _seed(system, region)
    api = system.api
    other_agency = token(f"agency:{new_id()}", "agency_admin")
    assert _names(api, other_agency, s="化工") == []
    assert _names(api, other_agency, s=units["化工设备工厂"]["uscc"]) == []
    regulator = token(f"region:{region}", "regulator")
    assert _names(api, regulator, s="化工厂") == []
    assert len(_names(api, regulator, s="化工")) == 3
    elsewhere = token("region:11", "regulator")
    assert _names(api, elsewhere, s="某某化工") == []
    anonymous = api.gql(UNITS, {"s": "化工"})
    assert anonymous["data"]["units"] == {"totalCount": 0, "edges": []}


def test_a_bad_search_argument_is_a_validation_error(system: RunningSystem):
    admin = token(f"agency:{new_id()}", "agency_admin")
    for variables, field in [
        ({"s": "长" * 201}, "search"),
        ({"industry": "c26x"}, "industryCode"),
        ({"region": "32a"}, "regionCode"),
    ]:
        body = system.api.gql(UNITS, variables, admin)
        [error] = body["errors"]
        assert error["extensions"]["code"] == "VALIDATION_FAILED", error
        assert error["extensions"]["field"] == field
        assert "INTERNAL" not in str(body)


def test_engagements_by_unit_name_and_period(system: RunningSystem):
    admin, units = _seed(system, _region())
    api = system.api
    unit_id = units["江苏某某化工有限公司"]["id"]
    api.create_engagement(admin, unit_id, periodStart="2027-01-01", periodEnd="2027-12-31")
    api.create_engagement(admin, unit_id, periodStart="2029-01-01", periodEnd="2029-06-30")
    other = units["深圳绿源环保科技有限公司"]["id"]
    api.create_engagement(admin, other, periodStart="2027-03-01", periodEnd="2028-02-29")

    def starts(tok: str, **variables: Any) -> list[str]:
        body = api.gql(ENGAGEMENTS, variables, tok)
        assert "errors" not in body, body
        return sorted(e["node"]["periodStart"] for e in body["data"]["engagements"]["edges"])

    assert starts(admin, s="某某化工") == ["2027-01-01", "2029-01-01"]
    assert starts(admin, s="某某化工", **{"from": "2028-01-01"}) == ["2029-01-01"]
    assert starts(admin, **{"from": "2028-01-01", "to": "2028-12-31"}) == ["2027-03-01"]
    assert starts(admin, s="化工厂") == []
    assert starts(token(f"agency:{new_id()}", "agency_admin"), s="某某化工") == []
