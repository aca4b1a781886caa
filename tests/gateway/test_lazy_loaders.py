"""A request's loaders work out the caller's scope only when one is first used."""

from __future__ import annotations

from uuid import uuid4

from contracts import core
from gateway.clients import ServiceClients
from gateway.dataloaders import build_loaders
from kit.rpc import CallContext, RpcClient
from tests.gateway.stand_ins import AnsweringNats


def clients() -> ServiceClients:
    rpc = RpcClient(AnsweringNats(b""))  # type: ignore[arg-type]
    return ServiceClients.of(rpc, CallContext(actor="u", tenant="agency:1", correlation_id="r"))


def test_the_scope_is_worked_out_once_and_only_when_needed() -> None:
    scope = core.Scope(agency_id=uuid4())
    asked: list[int] = []

    def scope_of() -> core.Scope:
        asked.append(1)
        return scope

    loaders = build_loaders(clients(), scope_of, clearance=7)
    assert asked == []  # a mutation that uses no loader never asks
    assert loaders._caller == loaders._caller
    assert loaders._caller.scope is scope
    assert loaders._caller.clearance == 3  # clamped to the archive's levels
    loaders.units  # noqa: B018  # made on first use, with the same scope
    assert asked == [1]


def test_a_scope_can_be_given_as_it_is() -> None:
    scope = core.Scope(unit_id=uuid4())
    assert build_loaders(clients(), scope)._scope is scope
