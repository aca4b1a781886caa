"""Refused input is said Chinese first, then in pydantic's English, on its field path."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import Field, ValidationError

from contracts.core import Contract
from kit.validation import validation_failed


class _Fees(Contract):
    amount: Decimal = Field(ge=0, max_digits=14, decimal_places=2)


class _Request(Contract):
    modes: list[str] = Field(min_length=1)
    name: str = Field(max_length=5)
    fees: _Fees | None = None


def _refusal(**data: object) -> tuple[str | None, str]:
    with pytest.raises(ValidationError) as caught:
        _Request.model_validate({"modes": ["a"], "name": "x", **data})
    refused = validation_failed(caught.value)
    return refused.field, refused.message


def test_an_empty_list_names_its_minimum_in_chinese_first() -> None:
    field, message = _refusal(modes=[])
    assert field == "modes"
    assert message.startswith("至少需要 1 项 / List should have at least 1 item")


def test_a_nested_number_names_its_path_and_bound() -> None:
    field, message = _refusal(fees={"amount": "-1"})
    assert field == "fees.amount"
    assert message.startswith("不得小于 0 / ")


def test_an_unlisted_error_type_still_says_the_input_is_invalid() -> None:
    field, message = _refusal(name=["not", "a", "string"])
    assert field == "name"
    assert message.startswith("输入无效 / ")
