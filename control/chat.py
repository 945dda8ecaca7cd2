"""Text chat: send, edit and delete messages, typing, mentions and "start a call here" notices.

Used by the signaling handlers; each operation checks the caller's channel permissions, writes in
one transaction, then pushes to every member who may view the channel.
"""

from __future__ import annotations

import re
import uuid

import asyncpg

from control.access import channel_access
from control.auth.tokens import Principal
from control.domain.permissions import (
    Permission,
    Role,
    channel_permissions,
    has_permission,
)
from control.errors import InvalidInput, NotFound, PermissionDenied
from control.message_writer import MessageWriter, NewMessage
from control.notifications import Notifier
from control.realtime.frames import dump, message_frames, viewer_roles
from control.realtime.gateway import Realtime
from control.store import groups, messages
from control.store.notifications import NewNotification
from control.store.postgres import Database
from control.views import message_out
from schemas.rest import MessageOut
from schemas.signaling import TypingPush

_MENTION = re.compile(r"(?<![\w@])@([A-Za-z0-9_.-]{3,32})")


async def _require(conn: asyncpg.Connection, principal: Principal, channel_id: uuid.UUID,
                   permission: Permission) -> tuple[asyncpg.Record, Role]:
    channel, access = await channel_access(conn, principal, channel_id)
    assert access.role is not None  # channel_access admits only members
    if permission not in channel_permissions(access.role, channel["overrides"]):
        raise PermissionDenied(f"you may not {permission.value.replace('_', ' ')} in this channel")
    return channel, access.role


async def _mentioned(conn: asyncpg.Connection, channel: asyncpg.Record, body: str,
                     author: uuid.UUID) -> list[uuid.UUID]:
    """Members named as @username who can see the channel (never the author)."""
    names = list(dict.fromkeys(m.group(1).rstrip(".") for m in _MENTION.finditer(body)))[:20]
    if not names:
        return []
    rows = await groups.find_members_by_username(conn, channel["group_id"], names)
    readers = set(viewer_roles(channel["overrides"]))
    return [r["user_id"] for r in rows if Role(r["role"]) in readers and r["user_id"] != author]


class Chat:
    def __init__(self, db: Database, realtime: Realtime, notifier: Notifier) -> None:
        self._db = db
        self._realtime = realtime
        self._notifier = notifier
        self._writer = MessageWriter(db)
        # Messages sent through this node since it started (for /metrics).
        self.sent_total = 0

    async def send(self, principal: Principal, channel_id: uuid.UUID, client_id: str, body: str) -> MessageOut:
        """Idempotent per (author, client_id): a retry returns the first message and pushes nothing.

        No explicit transaction: the checks read, and the writer's one INSERT statement is atomic."""
        async with self._db.connection() as conn:
            channel, _ = await _require(conn, principal, channel_id, Permission.SEND_MESSAGES)
            if channel["kind"] != "text":
                raise InvalidInput("messages go to text channels", code="not_a_text_channel")
            mentions = await _mentioned(conn, channel, body, principal.user_id)
        row = await self._writer.write(channel_id, NewMessage(principal.user_id, client_id, body, mentions))
        if row is None:  # a concurrent retry won the race
            async with self._db.connection() as conn:
                earlier = await messages.find_by_client_id(conn, principal.user_id, client_id)
            assert earlier is not None
            return self._same_send(earlier, channel_id)
        message = message_out(row)
        self.sent_total += 1
        group_id = channel["group_id"]
        await self._realtime.hub.publish_to_group(group_id, message_frames("created", group_id, channel, message))
        await self._notifier.notify(mentions, NewNotification(
            kind="mention", group_id=channel["group_id"], channel_id=channel_id, from_user_id=principal.user_id,
            message_id=message.id, text=body[:200]))
        return message

    @staticmethod
    def _same_send(earlier: asyncpg.Record, channel_id: uuid.UUID) -> MessageOut:
        if earlier["channel_id"] != channel_id:
            raise InvalidInput("that client_id was already used for another message", code="client_id_reused")
        return message_out(earlier)

    async def edit(self, principal: Principal, message_id: uuid.UUID, body: str) -> MessageOut:
        async with self._db.transaction() as conn:
            message, channel, _ = await self._own_or_moderated(conn, principal, message_id, moderated=False)
            mentions = await _mentioned(conn, channel, body, principal.user_id)
            row = await messages.edit_message(conn, message, body, mentions)
        result = message_out(row)
        group_id = channel["group_id"]
        await self._realtime.hub.publish_to_group(group_id, message_frames("updated", group_id, channel, result))
        return result

    async def delete(self, principal: Principal, message_id: uuid.UUID) -> MessageOut:
        async with self._db.transaction() as conn:
            message, channel, _ = await self._own_or_moderated(conn, principal, message_id, moderated=True)
            row = await messages.delete_message(conn, message)
        result = message_out(row)
        group_id = channel["group_id"]
        await self._realtime.hub.publish_to_group(group_id, message_frames("deleted", group_id, channel, result))
        return result

    async def _own_or_moderated(self, conn: asyncpg.Connection, principal: Principal, message_id: uuid.UUID,
                                *, moderated: bool) -> tuple[asyncpg.Record, asyncpg.Record, Role]:
        """The live message, locked, if the caller wrote it (or, when `moderated`, may delete any)."""
        not_found = NotFound("no such message", code="message_not_found")
        message = await messages.get_message(conn, message_id, lock=True)
        if message is None or message["deleted_at"] is not None:
            raise not_found
        try:
            channel, access = await channel_access(conn, principal, message["channel_id"])
        except NotFound:
            raise not_found from None
        assert access.role is not None
        mine = message["author_id"] == principal.user_id
        if not mine and not (moderated and has_permission(access.role, Permission.DELETE_ANY_MESSAGE)):
            raise PermissionDenied("only the author may change this message" if not moderated
                                   else "only the author or a moderator may delete this message")
        return message, channel, access.role

    async def typing(self, principal: Principal, channel_id: uuid.UUID, session_id: str) -> None:
        async with self._db.connection() as conn:
            channel, _ = await _require(conn, principal, channel_id, Permission.SEND_MESSAGES)
        frame = dump(TypingPush(group_id=channel["group_id"], channel_id=channel_id, user_id=principal.user_id))
        frames = {role.value: frame for role in viewer_roles(channel["overrides"])}
        await self._realtime.hub.publish_to_group(channel["group_id"], frames, exclude_session=session_id)

    async def start_call_notice(self, principal: Principal, channel_id: uuid.UUID,
                                voice_channel_id: uuid.UUID | None) -> int:
        """Notifies the other members who see the text channel (and the voice channel, when one is
        named); returns how many were told."""
        async with self._db.connection() as conn:
            channel, _ = await _require(conn, principal, channel_id, Permission.SEND_MESSAGES)
            readers = set(viewer_roles(channel["overrides"]))
            if voice_channel_id is not None:
                voice, _ = await _require(conn, principal, voice_channel_id, Permission.JOIN_CALL)
                if voice["kind"] != "voice" or voice["group_id"] != channel["group_id"]:
                    raise InvalidInput("that is not a voice channel of this group", code="not_a_voice_channel")
                readers &= set(viewer_roles(voice["overrides"]))
            members, _ = await groups.list_members(conn, channel["group_id"], search=None, role=None, limit=10_000,
                                                   offset=0)
        told = [m["user_id"] for m in members if m["user_id"] != principal.user_id and Role(m["role"]) in readers]
        await self._notifier.notify(told, NewNotification(
            kind="call_started", group_id=channel["group_id"], channel_id=channel_id, from_user_id=principal.user_id,
            voice_channel_id=voice_channel_id))
        return len(told)
