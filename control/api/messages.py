"""Message history over REST: pages of older messages, and every change after a version (resume)."""

from __future__ import annotations

from control.access import channel_access
from control.api.routing import ApiRouter, Context
from control.domain.permissions import Permission, channel_permissions
from control.errors import NotFound
from control.store import channels, messages
from control.views import message_out
from schemas.rest import MessagePage, MessagesQuery

router = ApiRouter("messages")


@router.get("/api/channels/{channel_id}/messages",
            summary="History: `before` pages back (newest first); `after` lists every change since a version",
            query=MessagesQuery, response=MessagePage)
async def list_messages(ctx: Context, query: MessagesQuery) -> MessagePage:
    async with ctx.services.db.connection() as conn:
        channel, access = await channel_access(conn, ctx.principal, ctx.path_id("channel_id"))
        assert access.role is not None
        if Permission.VIEW_CHANNEL not in channel_permissions(access.role, channel["overrides"]):
            raise NotFound("no such channel", code="channel_not_found")
        if query.after is not None:
            rows = await messages.changes_after(conn, channel["id"], after_version=query.after, limit=query.limit)
        else:
            rows = await messages.history(conn, channel["id"], before_seq=query.before, limit=query.limit)
        current = await channels.get_channel(conn, channel["id"])
    assert current is not None
    return MessagePage(messages=[message_out(r) for r in rows], last_version=current["last_seq"])
