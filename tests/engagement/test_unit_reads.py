"""`unit.get_many` written from plain rows (`directory.queries.get_units`) is, byte for
byte, the reply built from ORM units and files by `views.unit_view`: for a unit the
caller reads from the registry, one it reads on its own file (a provisional link,
issue 14), one out of its scope and one that does not exist (SQLite and PostgreSQL)."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import select

from contracts import core
from contracts.engagement import rpc
from contracts.engagement import rpc_directory as directory
from kit.db import Database
from kit.ids import new_id
from kit.rpc import CallContext
from services.engagement.directory import queries
from services.engagement.directory.views import unit_view
from services.engagement.models import Unit, UnitFile
from tests.e2e.harness import new_uscc
from tests.engagement import registry_rows as registry


async def entered(db: Database, agency: UUID, uscc: str, name: str) -> UUID:
    ctx = CallContext(actor="pm", tenant=f"agency:{agency}", correlation_id="c")
    async with db.transaction() as s:
        unit = await registry.entered_unit(
            s,
            directory.CreateUnitRequest(
                name=name, uscc=uscc, industry_code="C2614", address="深圳市南山区",
                agency_id=agency,
            ),
            ctx,
        )  # fmt: skip
    return unit.id


async def test_get_units_is_the_views_json_from_orm_rows(db: Database):
    first, second, other = new_id(), new_id(), new_id()
    shared_uscc = new_uscc()
    registered = await entered(db, first, shared_uscc, "绿源化工有限公司")
    # The second agency enters the same USCC: it works on its own file of the unit.
    assert await entered(db, second, shared_uscc, "绿源化工 (二)") == registered
    own = await entered(db, second, new_uscc(), "蓝天环保科技")
    theirs = await entered(db, other, new_uscc(), "别家的单位")
    asked = [registered, own, theirs, new_id(), registered]
    for agency in (first, second):
        scope = core.Scope(agency_id=agency)
        async with db.transaction() as s:
            raw = await queries.get_units(s, rpc.GetManyRequest(ids=asked, scope=scope))
            units = {u.id: u for u in await s.scalars(select(Unit).where(Unit.id.in_(asked)))}
            files = {
                f.unit_id: f
                for f in await s.scalars(
                    select(UnitFile).where(
                        UnitFile.agency_id == agency, UnitFile.shared_at.is_(None)
                    )
                )
            }
        seen = {registered, own} if agency == second else {registered}
        expected = directory.UnitsReply(
            items=[unit_view(units[i], files.get(i)) if i in seen else None for i in asked]
        )
        assert raw.body == expected.model_dump_json().encode()
        if agency == second:
            assert files.get(registered) is not None  # its own file was read
            assert "绿源化工 (二)".encode() in raw.body
