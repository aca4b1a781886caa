"""The trace chain (R1-trace): any change to a past entry is detected by SHA-256 alone."""

from __future__ import annotations

import dataclasses
import hashlib
from datetime import UTC, datetime, timedelta

from kit.ids import new_id
from services.archive.ledger import domain as ledger

ENGAGEMENT = new_id()


def build(n: int) -> list[tuple[ledger.ChainEntry, str, str]]:
    chain = []
    prev = ledger.GENESIS
    start = datetime(2027, 1, 1, tzinfo=UTC)
    for seq in range(1, n + 1):
        entry = ledger.ChainEntry(
            engagement_id=ENGAGEMENT,
            seq=seq,
            event_id=new_id(),
            event_type="engagement.created.v1",
            occurred_at=start + timedelta(minutes=seq),
            actor="alice",
            tenant="agency:1",
            payload_sha256=ledger.payload_digest({"n": seq}),
        )
        h = ledger.link(prev, entry)
        chain.append((entry, prev, h))
        prev = h
    return chain


def test_R1_trace_an_intact_chain_verifies():
    assert ledger.first_broken(build(5)) is None


def test_R1_trace_link_is_sha256_of_prev_and_canonical_entry():
    entry, prev, h = build(1)[0]
    assert h == hashlib.sha256(bytes.fromhex(prev) + entry.canonical()).hexdigest()
    assert b'"seq":1' in entry.canonical()


def test_R1_trace_a_changed_entry_is_found():
    chain = build(5)
    entry, prev, h = chain[2]
    chain[2] = (dataclasses.replace(entry, actor="mallory"), prev, h)
    assert ledger.first_broken(chain) == 3


def test_R1_trace_a_removed_entry_is_found():
    chain = build(5)
    del chain[1]
    assert ledger.first_broken(chain) == 3


def test_R1_trace_reordered_entries_are_found():
    chain = build(4)
    chain[1], chain[2] = chain[2], chain[1]
    assert ledger.first_broken(chain) == 3


def test_R1_trace_time_zone_does_not_change_the_hash():
    entry, _, _ = build(1)[0]
    shifted = dataclasses.replace(
        entry, occurred_at=entry.occurred_at.astimezone(datetime.now().astimezone().tzinfo)
    )
    assert shifted.canonical() == entry.canonical()
