"""What the fuzzer sent and what came back, counted for the run's summary."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class Tally:
    cases: Counter[str] = field(default_factory=Counter)  # per caller
    outcomes: Counter[str] = field(default_factory=Counter)  # refused, succeeded, ...
    operations: set[str] = field(default_factory=set)  # "Query.x" / "Mutation.y" sent
    sent: dict[str, set[str]] = field(default_factory=dict)  # per caller

    def lines(self) -> list[str]:
        per_caller = ", ".join(f"{c} {n}" for c, n in sorted(self.cases.items()))
        outcomes = ", ".join(f"{o} {n}" for o, n in sorted(self.outcomes.items()))
        return [
            f"{sum(self.cases.values())} cases over {len(self.operations)} operations",
            f"per caller: {per_caller}",
            f"outcomes: {outcomes}",
        ]


TALLY = Tally()
