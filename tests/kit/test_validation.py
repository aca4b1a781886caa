"""Refused input is a catalogue message: our English template per pydantic error type,
the constraint's value as its parameter, on the field's path; the gateway then says it
in the caller's language."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import Field, ValidationError

from contracts.core import Contract, Message
from gateway.i18n.language import Language
from gateway.i18n.say import error_message
from kit.validation import validation_failed


class _Fees(Contract):
    amount: Decimal = Field(ge=0, max_digits=14, decimal_places=2)


class _Request(Contract):
    modes: list[str] = Field(min_length=1)
    name: str = Field(max_length=5)
    fees: _Fees | None = None


def _refusal(**data: object) -> tuple[str | None, Message, dict[Language, str]]:
    with pytest.raises(ValidationError) as caught:
        _Request.model_validate({"modes": ["a"], "name": "x", **data})
    refused = validation_failed(caught.value)
    return refused.field, refused.said, {lang: error_message(refused, lang) for lang in Language}


def test_an_empty_list_names_its_minimum() -> None:
    field, said, words = _refusal(modes=[])
    assert field == "modes"
    assert said == Message("at least {min_length} item(s) are required", {"min_length": 1})
    assert words[Language.ZH_CN] == "至少需要 1 项"
    assert words[Language.EN] == "at least 1 item(s) are required"


def test_a_nested_number_names_its_path_and_bound() -> None:
    field, said, words = _refusal(fees={"amount": "-1"})
    assert field == "fees.amount"
    assert said == Message("must not be less than {ge}", {"ge": "0"})
    assert words == {Language.ZH_CN: "不得小于 0", Language.EN: "must not be less than 0"}


def test_an_unlisted_error_type_still_says_the_input_is_invalid() -> None:
    field, said, words = _refusal(name=["not", "a", "string"])
    assert field == "name"
    assert said.template == "must be text"
    assert words[Language.ZH_CN] == "必须是文本"
    with pytest.raises(ValidationError) as caught:
        _Request.model_validate({"modes": ["a"], "name": "x", "fees": {"amount": "x" * 2}})
    unlisted = validation_failed(caught.value)
    assert unlisted.said.template in {"must be a number", "invalid input: {detail}"}
