"""Proposals and invitations left unanswered expire (issue 14 part 2), on SQLite and
PostgreSQL: the periodic scan marks each one expired with its event in the same
transaction, leaves the answered and the still-young ones alone, and an expired request
can no longer be accepted."""

from __future__ import annotations

import json
from datetime import timedelta
from uuid import uuid4

import pytest
from sqlalchemy import select

from contracts.core import Scope
from contracts.engagement import rpc_directory, rpc_registry
from contracts.engagement.errors import LinkRequestClosed
from kit.db import Database
from kit.rpc import CallContext
from services.engagement.models import UnitLinkRequest, messaging
from services.engagement.registry import commands
from services.engagement.registry.domain import REQUEST_LIFETIME
from tests.e2e.harness import new_uscc

CTX = CallContext(actor="alice", tenant="agency:x", correlation_id="c1")


async def test_R3_unanswered_requests_expire_with_their_event(db: Database):
    agency = uuid4()
    code = new_uscc()
    async with db.transaction() as session:
        entered = rpc_directory.CreateUnitRequest(
            name="某厂", uscc=code, industry_code="C26", address="深圳"
        )
        unit = (await commands.create_unit(session, entered, CTX)).unit
        assert unit is not None
        old = await commands.propose(
            session, rpc_registry.ProposeEngagementRequest(agency_id=agency, uscc=code), CTX
        )
        answered = await commands.propose(
            session,
            rpc_registry.ProposeEngagementRequest(agency_id=agency, uscc=new_uscc()),
            CTX,
        )
        await commands.withdraw(
            session,
            rpc_registry.LinkDecision(request_id=answered.id, scope=Scope(agency_id=agency)),
            CTX,
        )
    soon = old.created_at + timedelta(days=1)
    async with db.transaction() as session:
        assert await commands.expire_requests(session, soon) == 0
    after = old.created_at + REQUEST_LIFETIME + timedelta(seconds=1)
    async with db.transaction() as session:
        assert await commands.expire_requests(session, after) == 1
    async with db.transaction() as session:
        rows = {r.id: r for r in await session.scalars(select(UnitLinkRequest))}
        assert (rows[old.id].status, rows[old.id].decided_by) == ("expired", "system:engagement")
        assert rows[answered.id].status == "withdrawn"
        outbox = messaging.outbox
        events = [
            json.loads(p)
            for p in await session.scalars(
                select(outbox.c.payload)
                .where(outbox.c.subject.like("%unit_link_request_decided%"))
                .order_by(outbox.c.seq)
            )
        ]
        assert [(e["data"]["request_id"], e["data"]["status"]) for e in events] == [
            (str(answered.id), "withdrawn"),
            (str(old.id), "expired"),
        ]
        # The unit can no longer accept it.
        with pytest.raises(LinkRequestClosed):
            await commands.accept(
                session,
                rpc_registry.LinkDecision(request_id=old.id, scope=Scope(unit_id=unit.id)),
                CTX,
            )
    async with db.transaction() as session:
        assert await commands.expire_requests(session, after + timedelta(days=1)) == 0
