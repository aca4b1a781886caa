"""What an archive action's event and a handover let people read (issue 11, item 5):
events carry no storage key, URL or store version id, each item's audience is the
archive's own visibility rule, and a handover lists only the items the caller may see."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from sqlalchemy import select

from contracts.archive import rpc_catalogue as c
from contracts.archive.events import ArchiveActionV1
from contracts.core import Scope
from kit.auth import Level
from kit.db import Database
from kit.ids import new_id
from services.archive.catalogue import queries
from services.archive.catalogue.commands import borrowing, destruction, filing, handover
from services.archive.catalogue.deps import CatalogueDeps
from services.archive.catalogue.models import ArchiveItem
from services.archive.models import messaging
from tests.archive.catalogue_steps import (
    AGENCY,
    AGENCY_CALLER,
    CLIENT,
    KEEPER,
    PM,
    UNIT,
    engagement_created_event,
    filed,
    hand_over,
    stage_report_event,
)

PUBLIC_UNIT = c.Caller(scope=Scope(unit_id=UNIT), clearance=Level.PUBLIC)
SECRET_UNIT = c.Caller(scope=Scope(unit_id=UNIT), clearance=Level.SECRET)
ENGINEER = c.Caller(scope=Scope(agency_id=AGENCY), clearance=Level.INTERNAL)


async def archive_actions(db: Database) -> list[ArchiveActionV1]:
    async with db.transaction() as s:
        payloads = (await s.execute(select(messaging.outbox.c.payload))).scalars()
    events = [json.loads(p) for p in payloads]
    return [ArchiveActionV1.model_validate(e) for e in events if e["type"] == "archive.action.v1"]


async def test_no_archive_event_carries_a_storage_key_url_or_version_id(
    db: Database, archive: CatalogueDeps
):
    engagement = new_id()
    uploaded = await filed(db, archive, engagement)
    old = await filed(db, archive, engagement, data=b"old" * 100, document_date=date(2001, 3, 1))
    async with db.transaction() as s:
        await filing.file_event(archive, s, engagement_created_event(engagement))
    async with db.transaction() as s:
        await filing.file_event(archive, s, stage_report_event(engagement))
    await hand_over(db, archive, engagement, [uploaded.id])
    async with db.transaction() as s:
        asked = await borrowing.request_borrow(
            s, c.RequestBorrowRequest(caller=ENGINEER, item_id=uploaded.id, purpose="总结"), PM
        )
    async with db.transaction() as s:
        await borrowing.decide_borrow(
            s, c.DecideBorrowRequest(caller=AGENCY_CALLER, borrow_id=asked.id, approve=True), KEEPER
        )
    async with db.transaction() as s:
        await borrowing.issue_download(
            archive,
            s,
            c.IssueDownloadRequest(caller=AGENCY_CALLER, item_id=uploaded.id, direct=True),
            KEEPER,
        )
    async with db.transaction() as s:
        d = await destruction.request_destruction(
            s,
            c.RequestDestructionRequest(caller=AGENCY_CALLER, item_id=old.id, appraisal="期满"),
            PM,
        )
    async with db.transaction() as s:
        await destruction.approve_destruction(
            archive,
            s,
            c.ApproveDestructionRequest(
                caller=AGENCY_CALLER, destruction_id=d.id, witnesses=["王五", "赵六"]
            ),
            KEEPER,
        )

    actions = await archive_actions(db)
    done = {a.data.action for a in actions}
    assert {"filed", "handed_over", "borrow_approved", "download_url_issued", "destroyed"} <= done
    async with db.transaction() as s:
        rows = (await s.execute(select(ArchiveItem))).scalars().all()
        keys = {r.object_key for r in rows} | {r.object_version for r in rows if r.object_version}
    for action in actions:
        text = action.data.model_dump_json()
        assert "key" not in action.data.details, action.data
        assert not [k for k in keys if k in text], action.data
        assert "http" not in text, action.data
        assert "X-Amz" not in text, action.data


async def test_an_event_names_who_may_read_each_item_as_the_archive_rule_does(
    db: Database, archive: CatalogueDeps
):
    engagement = new_id()
    public = await filed(db, archive, engagement, data=b"p" * 100, level=Level.PUBLIC)
    secret = await filed(db, archive, engagement, data=b"s" * 100, level=Level.SECRET)
    await hand_over(db, archive, engagement, [public.id, secret.id])
    [*_, handed] = [a.data for a in await archive_actions(db) if a.data.action == "handed_over"]
    assert handed.item_ids == [public.id, secret.id]
    admitted = {
        name: [a.admits(caller) for a in handed.audiences]
        for name, caller in {
            "public unit": PUBLIC_UNIT,
            "secret unit": SECRET_UNIT,
            "agency": AGENCY_CALLER,
            "engineer": ENGINEER,
            "other unit": c.Caller(scope=Scope(unit_id=new_id()), clearance=Level.TOP_SECRET),
        }.items()
    }
    assert admitted == {
        "public unit": [True, False],
        "secret unit": [True, True],
        "agency": [True, True],
        "engineer": [True, False],
        "other unit": [False, False],
    }
    # Before the handover the unit saw neither item's filing.
    filings = [a.data for a in await archive_actions(db) if a.data.action == "filed"]
    assert [f.audiences[0].admits(SECRET_UNIT) for f in filings] == [False, False]
    assert [f.audiences[0].admits(AGENCY_CALLER) for f in filings] == [True, True]


async def test_the_unit_reads_no_borrower_of_the_agency(db: Database, archive: CatalogueDeps):
    engagement = new_id()
    item = await filed(db, archive, engagement, level=Level.PUBLIC)
    await hand_over(db, archive, engagement, [item.id])
    async with db.transaction() as s:
        asked = await borrowing.request_borrow(
            s, c.RequestBorrowRequest(caller=ENGINEER, item_id=item.id, purpose="总结"), PM
        )
    async with db.transaction() as s:
        await borrowing.decide_borrow(
            s, c.DecideBorrowRequest(caller=AGENCY_CALLER, borrow_id=asked.id, approve=True), KEEPER
        )
    [decided] = [a.data for a in await archive_actions(db) if a.data.action.startswith("borrow_")]
    assert decided.details["borrower"] == "pm"
    assert [a.admits(SECRET_UNIT) for a in decided.audiences] == [False]
    assert [a.admits(AGENCY_CALLER) for a in decided.audiences] == [True]


async def test_a_handover_read_by_a_public_cleared_caller_lists_no_secret_item(
    db: Database, archive: CatalogueDeps
):
    engagement = new_id()
    public = await filed(db, archive, engagement, data=b"p" * 100, level=Level.PUBLIC)
    secret = await filed(db, archive, engagement, data=b"s" * 100, level=Level.SECRET)
    made = await hand_over(db, archive, engagement, [public.id, secret.id])
    assert (made.item_ids, made.item_sha256) == (
        [public.id, secret.id],
        [public.sha256, secret.sha256],
    )

    def listed(caller: c.Caller) -> Any:
        return queries.list_handovers(
            s, c.HandoversRequest(caller=caller, engagement_id=engagement)
        )

    async with db.transaction() as s:
        [seen_public] = (await listed(PUBLIC_UNIT)).items
        [seen_secret] = (await listed(SECRET_UNIT)).items
        [seen_engineer] = (await listed(ENGINEER)).items
    assert (seen_public.item_ids, seen_public.item_sha256) == ([public.id], [public.sha256])
    assert seen_engineer.item_ids == [public.id]
    assert seen_secret.item_ids == [public.id, secret.id]
    assert secret.sha256 not in seen_public.model_dump_json()

    # The acknowledgement answers with the handover as the acknowledging caller reads it.
    async with db.transaction() as s:
        ack = await handover.acknowledge(
            s,
            c.AcknowledgeHandoverRequest(
                caller=PUBLIC_UNIT, handover_id=made.id, representative="张三"
            ),
            CLIENT,
        )
    assert (ack.item_ids, ack.item_sha256) == ([public.id], [public.sha256])
