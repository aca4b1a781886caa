"""Evaluation templates (考核表) as versioned data, and the checks a variant must pass.

Table C.1 of the standard is `templates/c1_v1.json`; a migration seeds it, and a
contract may adopt a variant (other weights, extra items) that passes
`validate_template`. A published template never changes: a change is a new
version.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import NoReturn

from contracts.evaluation.enums import PartKind
from contracts.evaluation.errors import InvalidTemplate
from contracts.evaluation.rpc import TemplateDefinition
from services.evaluation.domain import FULL_MARKS, ZERO

TEMPLATE_DIR = Path(__file__).parent / "templates"
C1_CODE = "C.1"


def load_template_file(path: Path) -> TemplateDefinition:
    return TemplateDefinition.model_validate(json.loads(path.read_text(encoding="utf-8")))


def standard_c1() -> TemplateDefinition:
    """Table C.1 (托管服务绩效评价表) as published, version 1."""
    return validate_template(load_template_file(TEMPLATE_DIR / "c1_v1.json"))


def validate_template(template: TemplateDefinition) -> TemplateDefinition:
    """The template if it is usable, else InvalidTemplate with the first reason.

    Rules (R7.1 百分制): the scored parts sum to 100; each scored part's maximum
    is the sum of its items' maxima; every scored item has a positive maximum
    and every deduction a positive per-occurrence value; item codes are unique
    and start with their part's code.
    """
    seen: set[str] = set()
    total = ZERO
    for part in template.parts:
        for item in part.items:
            if item.code in seen:
                _refuse("item code {item} appears twice", item=item.code)
            seen.add(item.code)
            if not item.code.startswith(part.code + "."):
                _refuse(
                    "item {item} does not belong to part {part}", item=item.code, part=part.code
                )
            if part.kind == PartKind.SCORED:
                if item.max_points is None or item.max_points <= ZERO:
                    _refuse("scored item {item} needs a positive maximum", item=item.code)
                if item.deduction_per_occurrence is not None:
                    _refuse("scored item {item} cannot also be a deduction", item=item.code)
            else:
                per = item.deduction_per_occurrence
                if per is None or per <= ZERO:
                    _refuse("deduction {item} needs positive points per occurrence", item=item.code)
                if item.max_points is not None:
                    _refuse("deduction {item} has no maximum score", item=item.code)
        if part.kind == PartKind.SCORED:
            items_sum = sum((i.max_points or ZERO for i in part.items), ZERO)
            if part.max_points is not None and part.max_points != items_sum:
                _refuse(
                    "part {part} is worth {max} but its items sum to {sum}",
                    part=part.code,
                    max=str(part.max_points),
                    sum=str(items_sum),
                )
            total += items_sum
    if total != FULL_MARKS:
        _refuse("the scored parts sum to {total}, not 100", total=str(total))
    return template


def _refuse(reason: str, **params: str) -> NoReturn:
    raise InvalidTemplate.because(reason, "definition", **params)
