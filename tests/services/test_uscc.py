"""统一社会信用代码 (GB 32100) validation, the identity of every unit (standard, clause 3)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts.engagement.errors import InvalidUSCC
from services.engagement.directory import domain, uscc

VALID = ["91350100M000100Y43", "91110000600037341L", "91440300708461136T"]

body = st.tuples(
    st.text(alphabet=uscc.ALPHABET, min_size=2, max_size=2),
    st.text(alphabet="0123456789", min_size=6, max_size=6),
    st.text(alphabet=uscc.ALPHABET, min_size=9, max_size=9),
).map("".join)


@pytest.mark.parametrize("code", VALID)
def test_R3_published_codes_are_valid(code: str):
    assert uscc.problem(code) is None
    assert domain.valid_uscc(code.lower()) == code  # lower case is accepted and normalised


@given(body)
def test_R3_any_body_with_its_check_character_is_valid(first17: str):
    assert uscc.problem(first17 + uscc.check_character(first17)) is None


@given(body, st.sampled_from(uscc.ALPHABET))
def test_R3_any_other_check_character_is_rejected(first17: str, wrong: str):
    if wrong == uscc.check_character(first17):
        return
    assert "check character" in str(uscc.problem(first17 + wrong))


@given(body, st.integers(min_value=0, max_value=16), st.sampled_from(uscc.ALPHABET))
def test_R3_a_single_substitution_is_detected(first17: str, pos: int, ch: str):
    code = first17 + uscc.check_character(first17)
    changed = code[:pos] + ch + code[pos + 1 :]
    if changed != code and uscc.problem(changed) is None:
        # Weights are distinct and nonzero mod the prime 31: one changed symbol
        # always changes the check character, unless it breaks the layout first.
        pytest.fail(f"{changed} accepted after changing position {pos}")


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("", "18 characters"),
        ("91350100M000100Y4", "18 characters"),
        ("91350100M000100Y433", "18 characters"),
        ("91350100M000100Y4I", "outside GB 32100"),  # I is not in the alphabet
        ("913501O0M000100Y43", "outside GB 32100"),  # division code must be digits
        ("91350100M000100Y44", "check character"),
    ],
)
def test_R3_malformed_codes_are_rejected_with_a_reason(code: str, reason: str):
    with pytest.raises(InvalidUSCC) as info:
        domain.valid_uscc(code)
    assert reason in info.value.message
    assert info.value.field == "uscc"


def test_R3_region_is_the_registering_division():
    assert uscc.region_code("91440300708461136T") == "440300"
