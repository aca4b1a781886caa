"""Pure rules of the parties and of pay by results: the joint panel's weighted item
result and the settlement of a fee by grade or by a linear formula (R4.2.5, R3.1-pay)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from contracts.core import Scope
from contracts.engagement.agreement import FeeTerms, PayByResults
from contracts.evaluation.enums import EvaluatingParty, Grade
from kit.ids import new_id
from services.evaluation import domain

D = Decimal


def test_R4_2_5_a_joint_panel_weighs_each_partys_mean_and_rounds_once():
    weights = {"client": "0.6", "third_party": "0.4"}
    # client mean 4.5 (two evaluators), third party 3 → 0.6 × 4.5 + 0.4 × 3 = 3.9
    points = {"client": [D(4), D(5)], "third_party": [D(3)]}
    assert domain.weighted_result(points, weights) == D("3.90")
    # 1/3 weights: Σ w × p without intermediate rounding, then half up to 0.01
    thirds = {"client": "0.3333", "third_party": "0.3333", "regulator": "0.3334"}
    got = domain.weighted_result(
        {"client": [D(5)], "third_party": [D(4)], "regulator": [D("4.01")]}, thirds
    )
    assert got == D("4.34")  # 1.6665 + 1.3332 + 1.336934 = 4.336634
    assert domain.weighted_result({"client": [D(5)]}, weights) is None  # third party missing


def test_R4_2_5_the_caller_scores_for_the_party_its_tenant_is():
    assert domain.party_of(Scope(unit_id=new_id())) == EvaluatingParty.CLIENT
    assert domain.party_of(Scope(evaluator_id=new_id())) == EvaluatingParty.THIRD_PARTY
    assert domain.party_of(Scope(region_prefix="44")) == EvaluatingParty.REGULATOR
    assert domain.party_of(Scope(agency_id=new_id())) == EvaluatingParty.AGENCY
    assert domain.may_score(None, EvaluatingParty.AGENCY)  # no assessment method: as before
    assert not domain.may_score(None, EvaluatingParty.CLIENT)
    assert not domain.may_score({"client": "1"}, EvaluatingParty.AGENCY)


def terms(**pay: object) -> FeeTerms:
    return FeeTerms(
        amount=D("123456.78"), basis="on_results", pay_by_results=PayByResults.model_validate(pay)
    )


@pytest.mark.parametrize(
    ("grade", "percent", "amount"),
    [
        (Grade.EXCELLENT, D(100), D("123456.78")),
        (Grade.GOOD, D(90), D("111111.10")),  # 111111.102
        (Grade.QUALIFIED, D(80), D("98765.42")),  # 98765.424
        (Grade.UNQUALIFIED, D(0), D("0.00")),
    ],
)
def test_R3_pay_by_grade(grade: Grade, percent: Decimal, amount: Decimal):
    assert domain.settlement(terms(), D(80), grade) == (percent, amount)


def test_R3_rounding_unit_and_mode_come_from_the_terms():
    good = Grade.GOOD
    assert domain.settlement(terms(rounding="jiao"), D(80), good) == (D(90), D("111111.1"))
    assert domain.settlement(terms(rounding="yuan"), D(80), good) == (D(90), D("111111"))
    qualified = Grade.QUALIFIED
    down = terms(rounding="yuan", rounding_mode="down")
    assert domain.settlement(down, D(65), qualified) == (D(80), D("98765"))


def test_R3_a_linear_formula_is_data_clamped_to_the_fee():
    linear = terms(rule="linear", zero_at="60", full_at="90")
    assert domain.settlement(linear, D("73.60"), Grade.GOOD) == (D("45.33"), D("55962.96"))
    assert domain.settlement(linear, D(95), Grade.EXCELLENT) == (D("100.00"), D("123456.78"))
    assert domain.settlement(linear, D(50), Grade.UNQUALIFIED) == (D("0.00"), D("0.00"))


def test_R3_no_pay_by_results_no_settlement():
    plain = FeeTerms(amount=D(1000), basis="fixed")
    assert domain.settlement(plain, D(95), Grade.EXCELLENT) is None


def test_yearly_periods_cut_at_each_31_december():
    assert domain.evaluation_periods(date(2027, 7, 1), date(2029, 3, 31), yearly=True) == [
        (date(2027, 7, 1), date(2027, 12, 31)),
        (date(2028, 1, 1), date(2028, 12, 31)),
        (date(2029, 1, 1), date(2029, 3, 31)),
    ]
    assert domain.evaluation_periods(date(2027, 1, 1), date(2027, 12, 31), yearly=False) == [
        (date(2027, 1, 1), date(2027, 12, 31))
    ]
