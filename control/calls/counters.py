"""What this node counted of calls since it started, for Prometheus counters (the deployment's
totals are the sum over nodes; `peershare stats` reads the same from the database)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class CallCounters:
    call_seconds: float = 0.0
    calls_ended: int = 0
    calls_relayed: int = 0
    # (result, reason): ("success", "") or ("failure", a join failure reason).
    joins: Counter[tuple[str, str]] = field(default_factory=lambda: Counter({("success", ""): 0}))

    def call_ended(self, seconds: float, relayed: bool) -> None:
        self.call_seconds += seconds
        self.calls_ended += 1
        self.calls_relayed += relayed

    def joined(self) -> None:
        self.joins["success", ""] += 1

    def join_failed(self, reason: str) -> None:
        """Counters only grow: a failure reported after the server let someone in stays counted
        as that success too (the exact rate is peershare_join_success_rate_24h, from the records)."""
        self.joins["failure", reason] += 1
