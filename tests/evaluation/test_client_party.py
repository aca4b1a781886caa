"""Whom a caller scores for (R4.2.5): a park's, group's or region's people (`client:<id>`,
issue 14) score as the client (委托方), as a unit's own people do."""

from __future__ import annotations

from contracts.core import Scope
from contracts.evaluation.enums import EvaluatingParty
from kit.ids import new_id
from services.evaluation import domain


def test_R4_2_5_a_client_that_is_not_one_unit_scores_as_the_client():
    assert domain.party_of(Scope(client_id=new_id())) is EvaluatingParty.CLIENT
    assert domain.party_of(Scope(unit_id=new_id())) is EvaluatingParty.CLIENT
    weights = {EvaluatingParty.CLIENT.value: "1"}
    assert domain.may_score(weights, domain.party_of(Scope(client_id=new_id())))
    assert not domain.may_score(weights, domain.party_of(Scope(agency_id=new_id())))
