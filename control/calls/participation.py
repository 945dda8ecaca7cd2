"""The caller's place in a call, as every call request starts by looking it up."""

from __future__ import annotations

import uuid

import asyncpg

from control.errors import NotFound
from control.store import calls


async def my_participation(conn: asyncpg.Connection, user_id: uuid.UUID, session_id: str | None = None) -> asyncpg.Record:
    """The user's live participation — joined from this session, when one is given — or not_in_call."""
    me = await calls.live_participation_of(conn, user_id)
    if me is None or (session_id is not None and me["session_id"] != session_id):
        raise NotFound("you are not in a call", code="not_in_call")
    return me
