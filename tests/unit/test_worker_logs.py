"""Worker log lines repeated per packet are logged once per interval, with a count."""

from __future__ import annotations

from control.sfu.channel import RepeatedLines


def test_a_repeated_line_is_logged_once_per_interval_with_its_count() -> None:
    lines = RepeatedLines(interval_s=10)
    assert lines.admit("REMB", now=0) == 0
    assert [lines.admit("REMB", now=t) for t in (1, 2, 9.9)] == [None, None, None]
    assert lines.admit("other", now=5) == 0
    assert lines.admit("REMB", now=10) == 3
    assert lines.admit("REMB", now=11) is None


def test_it_remembers_a_bounded_number_of_lines() -> None:
    lines = RepeatedLines(interval_s=10, remembered=3)
    for i in range(10):
        assert lines.admit(f"line {i}", now=0) == 0
    assert len(lines._seen) <= 3
