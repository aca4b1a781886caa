"""R7.1: table C.1 as data, compared with the standard's own table text, and the
checks a contract's variant must pass."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from contracts.evaluation.errors import InvalidTemplate
from contracts.evaluation.rpc import TemplateDefinition
from services.evaluation.templates import standard_c1, validate_template

# The table as extracted from the standard (spec-zh.txt, table C.1), copied here
# so the suite reads nothing outside the repository.
C1_TEXT = (Path(__file__).parent / "c1_table.txt").read_text(encoding="utf-8")


def _squeeze(text: str) -> str:
    """The PDF extraction wraps cells across lines; compare without whitespace."""
    return re.sub(r"\s+", "", text)


def test_R7_1_every_item_of_table_c1_is_present_in_order_with_its_points():
    table = _squeeze(C1_TEXT)
    c1 = standard_c1()
    position = 0
    for part in c1.parts:
        header = f"{part.code}、{part.title_zh}"
        if part.max_points is not None:
            header += f"（{part.max_points}分）"
        position = table.index(header, position) + len(header)
        for n, item in enumerate(part.items, start=1):
            points = item.max_points if part.kind == "scored" else ""
            row = f"{n}{item.text_zh}{points}"
            assert table.startswith(row, position), (item.code, table[position : position + 60])
            position += len(row)
            assert item.code == f"{part.code}.{n}"
            assert item.text_en
            assert item.evidence_hint
    assert table[position:] == "合计100"


def test_R7_1_c1_parts_are_25_50_25_and_five_deductions_of_10():
    c1 = standard_c1()
    assert [(p.code, p.max_points, len(p.items)) for p in c1.parts] == [
        ("一", Decimal(25), 5),
        ("二", Decimal(50), 11),
        ("三", Decimal(25), 6),
        ("四", None, 5),
    ]
    assert {i.deduction_per_occurrence for i in c1.parts[3].items} == {Decimal(10)}
    assert c1.panel_rule == "mean"


def test_R7_1_a_variant_with_other_weights_summing_to_100_is_accepted():
    data = standard_c1().model_dump()
    # Move 2 points from 二.11 (innovation) to a new item 一.6.
    data["parts"][0]["max_points"] = Decimal(27)
    data["parts"][0]["items"].append(
        {"code": "一.6", "text_zh": "危废管理规范", "text_en": "Hazardous waste", "max_points": 2}
    )
    data["parts"][1]["max_points"] = Decimal(48)
    data["parts"][1]["items"][10]["max_points"] = Decimal(2)
    assert validate_template(TemplateDefinition.model_validate(data)).parts[0].max_points == 27


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (
            lambda d: (
                d["parts"][1]["items"][0].update(max_points=Decimal(4)),
                d["parts"][1].update(max_points=Decimal(51)),
            ),
            "not 100",
        ),
        (lambda d: d["parts"][0]["items"][0].update(max_points=None), "positive maximum"),
        (lambda d: d["parts"][3]["items"][0].update(deduction_per_occurrence=None), "per occ"),
        (lambda d: d["parts"][0]["items"][1].update(code="一.1"), "twice"),
        (lambda d: d["parts"][0]["items"][1].update(code="二.99"), "does not belong"),
        (lambda d: d["parts"][0].update(max_points=Decimal(20)), "items sum to"),
    ],
)
def test_R7_1_an_invalid_variant_is_refused_with_a_reason(mutate, reason: str):
    data = standard_c1().model_dump()
    mutate(data)
    with pytest.raises(InvalidTemplate) as exc:
        validate_template(TemplateDefinition.model_validate(data))
    assert reason in exc.value.details["reason"]
