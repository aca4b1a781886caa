"""`ecohost dead-letters evaluation --replay-all`: an event that failed because the
evaluation service did not know its engagement yet is applied once it does."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from contracts.core import EventEnvelope
from kit.db import Database
from services.evaluation import handlers
from services.evaluation.models import Scorecard, messaging
from tests.evaluation.conftest import Engagement
from tests.infra.dead_letters import keep_as_dead_letter as dead_letter_of

ROOT = Path(__file__).resolve().parents[2]


def dead_letters(db: Database, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "ECOHOST_EVALUATION_DATABASE_URL": db.url,
    }
    return subprocess.run(
        [sys.executable, "-m", "cli.main", "dead-letters", "evaluation", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
    )


async def keep_as_dead_letter(db: Database, event: EventEnvelope, consumer: str) -> int:
    error = "LookupError: engagement … is not registered"
    return await dead_letter_of(db, messaging, event, consumer, error)


async def scorecards(db: Database, eng: Engagement) -> int:
    async with db.transaction() as s:
        q = select(func.count()).where(Scorecard.engagement_id == eng.engagement_id)
        return int((await s.execute(q)).scalar_one())


async def test_replay_applies_the_stage_change_once_the_engagement_is_known(db: Database):
    eng = Engagement.new()
    stage = eng.entered_evaluation()
    letter = await keep_as_dead_letter(db, stage, handlers.ENGAGEMENTS.durable)
    await eng.register(db)  # engagement.created arrives after all

    listed = dead_letters(db)
    assert listed.returncode == 0, listed.stderr
    [row] = json.loads(listed.stdout)
    assert (row["id"], row["event_id"], row["replayed_at"]) == (letter, str(stage.event_id), None)

    replayed = dead_letters(db, "--replay-all")
    assert replayed.returncode == 0, replayed.stderr
    assert json.loads(replayed.stdout) == [
        {
            "dead_letter_id": letter,
            "consumer": "evaluation-workflow",
            "event_id": str(stage.event_id),
            "result": "applied",
            "error": None,
        }
    ]
    assert await scorecards(db, eng) == 1  # opened on entering the evaluation stage
    # Replaying it again is refused (exit 1): it no longer waits for a replay, and
    # stays on record as replayed. `--replay-all` finds nothing to do.
    again = dead_letters(db, "--replay", str(letter))
    assert again.returncode == 1
    assert [r["result"] for r in json.loads(again.stdout)] == ["not_found"]
    nothing = dead_letters(db, "--replay-all")
    assert (nothing.returncode, json.loads(nothing.stdout)) == (0, [])
    [kept] = json.loads(dead_letters(db).stdout)
    assert kept["replayed_at"] is not None
    assert await scorecards(db, eng) == 1


async def test_replay_that_still_fails_exits_non_zero(db: Database):
    eng = Engagement.new()  # never registered: the stage change still cannot apply
    letter = await keep_as_dead_letter(db, eng.entered_evaluation(), handlers.ENGAGEMENTS.durable)
    replayed = dead_letters(db, "--replay", str(letter))
    assert replayed.returncode == 1
    [outcome] = json.loads(replayed.stdout)
    assert outcome["result"] == "failed"
    assert "is not registered" in outcome["error"]
    [row] = json.loads(dead_letters(db).stdout)
    assert row["replayed_at"] is None
    assert await scorecards(db, eng) == 0
