"""Pieces of the history export that need no database: CSV cells and page cursors."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

import pytest

from control.errors import InvalidInput
from control.history import cursors
from control.history.export import _cell


def test_csv_cells_that_a_spreadsheet_would_run_are_quoted() -> None:
    assert [_cell(t) for t in ("=HYPERLINK(1)", "+1", "-2", "@sum", "lounge", "")] == [
        "'=HYPERLINK(1)", "'+1", "'-2", "'@sum", "lounge", ""]


def test_cursors_round_trip_and_refuse_what_no_page_gave() -> None:
    when, call_id = datetime(2026, 11, 28, 19, 0, tzinfo=timezone.utc), uuid.uuid4()
    assert cursors.decode_call(cursors.encode_call(when, call_id)) == (when, call_id)
    assert cursors.decode_event(cursors.encode_event(42)) == 42
    for text in ("", "x", "W10=", "WyIyMDI2LTExLTI4VDE5OjAwOjAwIiwgIngiXQ=="):
        with pytest.raises(InvalidInput):
            cursors.decode_call(text)
    for text in ("-1", "1.5", "١٢", "9" * 19):
        with pytest.raises(InvalidInput):
            cursors.decode_event(text)
