"""Opaque keyset cursors of history pages: what the last row of a page was ordered by."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import datetime

from control.errors import InvalidInput


def _invalid() -> InvalidInput:
    return InvalidInput("this cursor was not given by a previous page", code="invalid_cursor")


def encode_call(started_at: datetime, call_id: uuid.UUID) -> str:
    return base64.urlsafe_b64encode(json.dumps([started_at.isoformat(), str(call_id)]).encode()).decode()


def decode_call(text: str) -> tuple[datetime, uuid.UUID]:
    try:
        started_at, call_id = json.loads(base64.urlsafe_b64decode(text.encode()))
        when = datetime.fromisoformat(started_at)
        if when.tzinfo is None:
            raise ValueError("naive time")
        return when, uuid.UUID(call_id)
    except (ValueError, TypeError):
        raise _invalid() from None


def encode_event(event_id: int) -> str:
    return str(event_id)


def decode_event(text: str) -> int:
    if not text.isascii() or not text.isdigit() or len(text) > 18:
        raise _invalid()
    return int(text)
