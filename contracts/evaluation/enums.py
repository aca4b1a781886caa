"""The evaluation's vocabulary (绩效评价, R7), defined once."""

from __future__ import annotations

from enum import StrEnum


class Grade(StrEnum):
    """评价等级 (R7.2)."""

    EXCELLENT = "excellent"  # 优秀: score ≥ 90
    GOOD = "good"  # 良好: 70 < score < 90
    QUALIFIED = "qualified"  # 合格: 60 ≤ score ≤ 70
    UNQUALIFIED = "unqualified"  # 不合格: score < 60

    @property
    def zh(self) -> str:
        return _GRADE_ZH[self]


_GRADE_ZH = {
    Grade.EXCELLENT: "优秀",
    Grade.GOOD: "良好",
    Grade.QUALIFIED: "合格",
    Grade.UNQUALIFIED: "不合格",
}


class ScorecardStatus(StrEnum):
    """Where a scorecard stands. Stored: open, finalized. Derived: falsified (a
    falsification exists) and superseded (a later version exists)."""

    OPEN = "open"
    FINALIZED = "finalized"
    FALSIFIED = "falsified"
    SUPERSEDED = "superseded"


class PartKind(StrEnum):
    """A part of the table is scored, or a deduction (附加考核)."""

    SCORED = "scored"
    DEDUCTION = "deduction"


class EvidenceKind(StrEnum):
    """What a piece of evidence is."""

    TRACE_ENTRY = "trace_entry"
    ARCHIVE_ITEM = "archive_item"
    ENGAGEMENT_RECORD = "engagement_record"
    DOCUMENT = "document"
    EVENT = "event"


class ScorecardKind(StrEnum):
    """The binding card, scored by the parties the contract names, or the agency's
    self-assessment, shown beside it and never mixed into it."""

    BINDING = "binding"
    SELF = "self"


class EvaluatingParty(StrEnum):
    """Whom an evaluator scores for: a party the contract names, or the agency itself
    (its self-assessment; and every card of an engagement without an assessment method)."""

    CLIENT = "client"
    THIRD_PARTY = "third_party"
    REGULATOR = "regulator"
    AGENCY = "agency"


class AppealDecision(StrEnum):
    """The evaluating party's answer to an appeal: amend the card (a new open version)
    or keep it."""

    AMEND = "amend"
    KEEP = "keep"
