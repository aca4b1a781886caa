"""Evidence follows corrections and voids (SQLite and PostgreSQL): a corrected record's
evidence is replaced, a voided one's retired, a replay changes nothing, and a corrected
unit name is the one disclosures show."""

from __future__ import annotations

from datetime import date

from contracts.engagement.enums import RevisionChange, RevisionSubject
from contracts.engagement.event_data import RevisionData, TrainingHeldData
from contracts.engagement.events import RecordCorrectedV1, RecordVoidedV1, TrainingHeldV1
from kit.db import Database
from kit.ids import new_id
from services.evaluation import queries, repository
from services.evaluation.commands import intake
from tests.evaluation.conftest import Engagement, envelope


def training(record_id: object, has_records: bool) -> TrainingHeldData:
    return TrainingHeldData(
        training_id=record_id, topic="危废管理", held_on=date(2027, 5, 1), attendees=30,
        has_records=has_records,
    )  # fmt: skip


def revision(record_id: object, change: RevisionChange, after: object) -> RevisionData:
    evidence = after.model_dump(mode="json") if isinstance(after, TrainingHeldData) else None
    return RevisionData(
        subject=RevisionSubject.RECORD, subject_id=record_id, kind="training", version=2,
        change=change, reason="录入有误", before={}, evidence_subject_id=record_id,
        evidence_type="engagement.training_held.v1" if evidence else None, evidence=evidence,
    )  # fmt: skip


async def test_R4_2_5_suggestions_rest_on_the_current_versions_of_records(db: Database):
    eng = Engagement.new()
    kept, fixed = new_id(), new_id()
    events = [
        eng.unit_registered(),
        eng.created(),
        envelope(TrainingHeldV1, training(kept, True), eng.engagement_id),
        envelope(TrainingHeldV1, training(fixed, False), eng.engagement_id),
    ]
    corrected = envelope(
        RecordCorrectedV1,
        revision(fixed, RevisionChange.CORRECTED, training(fixed, True)),
        eng.engagement_id,
    )
    voided = envelope(
        RecordVoidedV1, revision(kept, RevisionChange.VOIDED, None), eng.engagement_id
    )
    for event in [*events, corrected, corrected, voided, voided]:  # replays are harmless
        async with db.transaction() as s:
            await intake.on_engagement_event(s, event)

    async with db.transaction() as s:
        history = await queries.history(s, eng.engagement_id)
    assert [(e.event_id, e.kind, e.data["has_records"]) for e in history] == [
        (corrected.event_id, "training_held", True)
    ]


async def test_a_corrected_unit_name_is_the_one_disclosed(db: Database):
    eng = Engagement.new()
    data = RevisionData(
        subject=RevisionSubject.UNIT, subject_id=eng.unit_id, version=2,
        change=RevisionChange.CORRECTED, reason="更名", before={"name": "绿源化工有限公司"},
        after={"name": "绿源新材料有限公司"},
    )  # fmt: skip
    for event in (
        eng.unit_registered(),
        envelope(RecordCorrectedV1, data, eng.engagement_id),
        envelope(RecordCorrectedV1, data, None),
    ):
        async with db.transaction() as s:
            await intake.on_engagement_event(s, event)
    async with db.transaction() as s:
        entry = await repository.unit_entry(s, eng.unit_id)
        assert entry is not None
        assert entry.name == "绿源新材料有限公司"
