"""Servers freeze what they hold once started and collect young objects less often
(`kit.gc_tuning`); measured in docs/BENCHMARKS.md §15."""

from __future__ import annotations

import gc

from kit.gc_tuning import OLDER_THRESHOLDS, YOUNG_THRESHOLD, settle_heap


def test_settling_freezes_the_heap_and_raises_the_thresholds():
    before = gc.get_threshold()
    try:
        kept = [{"held": i} for i in range(1000)]
        settle_heap()
        assert gc.get_freeze_count() >= len(kept)
        assert gc.get_threshold() == (YOUNG_THRESHOLD, *OLDER_THRESHOLDS)
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
