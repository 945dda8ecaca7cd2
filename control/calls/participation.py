"""The caller's place in a call and what they may do there, as every call request starts by
looking it up: from the database each time, so a change of rights holds from the next request."""

from __future__ import annotations

import uuid

import asyncpg

from control.domain.permissions import Permission, Role, channel_permissions
from control.errors import NotFound
from control.store import calls

_MEDIA_RIGHTS = frozenset({Permission.SPEAK, Permission.VIDEO, Permission.SHARE_SCREEN})


def granted_in_call(standing: asyncpg.Record) -> frozenset[Permission]:
    """What a participant may do in the call now (a `live_standing` row): nothing once they are
    no longer a member."""
    if standing["role"] is None:
        return frozenset()
    return channel_permissions(Role(standing["role"]), standing["overrides"])


def restricted(standing: asyncpg.Record) -> bool:
    """May not send everything: muted by a moderator, or a channel that withholds a media right."""
    return bool(standing["muted_by_moderator"]) or not _MEDIA_RIGHTS <= granted_in_call(standing)


async def my_participation(conn: asyncpg.Connection, user_id: uuid.UUID, session_id: str | None = None, *,
                           leaving: bool = False) -> asyncpg.Record:
    """The user's live participation — joined from this session, when one is given — with its
    standing, or not_in_call; also not_in_call once they may no longer be in it (being taken out),
    unless they are leaving."""
    found = await calls.live_standing(conn, user_id=user_id)
    me = found[0] if found else None
    if me is None or (session_id is not None and me["session_id"] != session_id) or (
            not leaving and Permission.JOIN_CALL not in granted_in_call(me)):
        raise NotFound("you are not in a call", code="not_in_call")
    return me
