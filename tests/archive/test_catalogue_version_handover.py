"""A new version after a handover (R4.2.4.2): the handover names versions, and the unit
sees the version it received until the next one is handed over too."""

from __future__ import annotations

from contracts.archive import rpc_catalogue as c
from kit.db import Database
from kit.ids import new_id
from services.archive.catalogue import queries
from services.archive.catalogue.commands import handover
from services.archive.catalogue.deps import CatalogueDeps
from tests.archive.catalogue_steps import (
    CLIENT,
    UNIT_CALLER,
    filed,
    hand_over,
    listing,
    new_version,
)


async def test_R4_2_4_2_a_handover_names_versions_and_the_unit_sees_what_it_received(
    db: Database, archive: CatalogueDeps
):
    engagement = new_id()
    v1 = await filed(db, archive, engagement)
    await hand_over(db, archive, engagement, [v1.id])
    v2 = await new_version(db, archive, v1.id)
    # v2 is not handed over: the unit's current version of the series is still v1.
    assert [i.id for i in await listing(db, engagement, caller=UNIT_CALLER)] == [v1.id]
    assert [i.id for i in await listing(db, engagement)] == [v2.id]
    h = await hand_over(db, archive, engagement, [v2.id])
    async with db.transaction() as s:
        await handover.acknowledge(
            s,
            c.AcknowledgeHandoverRequest(
                caller=UNIT_CALLER, handover_id=h.id, representative="张三"
            ),
            CLIENT,
        )
    assert h.item_ids == [v2.id]
    assert [i.id for i in await listing(db, engagement, caller=UNIT_CALLER)] == [v2.id]
    async with db.transaction() as s:
        reply = await queries.versions(s, c.VersionsRequest(caller=UNIT_CALLER, series_ids=[v1.id]))
    assert [v.id for v in reply.items[0]] == [v1.id, v2.id]
