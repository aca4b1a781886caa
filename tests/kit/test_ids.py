"""`kit.ids.new_id`: UUIDv7 as `uuid6.uuid7` made them (RFC 9562 version and variant,
the Unix milliseconds in front, strictly increasing in a process), with its random
bits read from the OS for many ids at once."""

from __future__ import annotations

import os
import time
import uuid

import pytest

import kit.ids
from kit.ids import new_id


def test_version_7_with_the_rfc_variant_and_the_time_in_front() -> None:
    before = time.time_ns() // 1_000_000
    made = new_id()
    assert made.version == 7
    assert made.variant == uuid.RFC_4122
    assert made.int >> 80 >= before  # a millisecond ahead when ids come faster than 1/ms


def test_strictly_increasing_and_distinct_across_many_reads_of_the_random_source() -> None:
    made = [new_id() for _ in range(5_000)]  # about 80 reads of 64 ids' bits
    assert made == sorted(made)
    assert len(set(made)) == len(made)
    assert len({m.int & ((1 << 62) - 1) for m in made}) == len(made)  # the random tail


def test_the_same_millisecond_or_a_clock_set_back_moves_the_timestamp_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = [2_000_000_000_000 * 1_000_000]
    monkeypatch.setattr(kit.ids, "_last_ms", 0)
    monkeypatch.setattr(time, "time_ns", lambda: now[0])  # the clock new_id reads
    first, second = new_id(), new_id()
    now[0] -= 5_000 * 1_000_000  # five seconds back
    third = new_id()
    assert [m.int >> 80 for m in (first, second, third)] == [
        2_000_000_000_000,
        2_000_000_000_001,
        2_000_000_000_002,
    ]


def test_every_random_bit_is_used() -> None:
    made = [new_id() for _ in range(2_000)]
    seen_set = 0
    seen_clear = 0
    for m in made:
        seen_set |= m.int
        seen_clear |= ~m.int
    random_bits = [b for b in range(76) if b not in (62, 63)]  # the variant's two
    assert all(seen_set >> b & 1 and seen_clear >> b & 1 for b in random_bits)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork here")
def test_a_forked_child_does_not_reuse_its_parents_spare_bits() -> None:
    new_id()  # the parent holds spare bits
    assert kit.ids._spare
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report whether it started without them
        os.write(write, b"1" if not kit.ids._spare else b"0")
        os._exit(0)
    os.waitpid(pid, 0)
    assert os.read(read, 1) == b"1"
    os.close(read)
    os.close(write)
