"""Connection quality grades: mediasoup scores for SFU calls, the clients' own stats for P2P."""

from __future__ import annotations

import pytest

from control.calls.service import p2p_quality
from control.calls.sfu_room import grade


@pytest.mark.parametrize(("score", "quality"), [(10, "good"), (7, "good"), (6.9, "fair"), (4, "fair"),
                                                (3.9, "poor"), (0, "poor")])
def test_scores_grade_as_good_fair_or_poor(score: float, quality: str) -> None:
    assert grade(score) == quality


@pytest.mark.parametrize(("rtt_ms", "loss_pct", "quality"), [
    (20, 0, "good"), (149, 1.9, "good"), (150, 0, "fair"), (20, 2, "fair"), (399, 7.9, "fair"),
    (400, 0, "poor"), (20, 8, "poor"), (2000, 50, "poor"),
])
def test_p2p_stats_grade_by_round_trip_and_loss(rtt_ms: float, loss_pct: float, quality: str) -> None:
    assert p2p_quality(rtt_ms, loss_pct) == quality
