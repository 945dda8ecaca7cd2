"""My notifications: list them (with the unread count), mark them read, mute groups and channels."""

from __future__ import annotations

from control.api.routing import ApiRouter, Context
from control.errors import InvalidInput, PermissionDenied
from schemas.rest import (
    ChannelNotificationSettings,
    GroupNotificationSettings,
    MuteBody,
    NotificationPage,
    NotificationsQuery,
    NotificationsRead,
    NotificationsReadOut,
)

router = ApiRouter("notifications")


@router.get("/api/notifications", summary="My notifications I may still see, newest first, with the unread count",
            query=NotificationsQuery, response=NotificationPage, errors=(InvalidInput,))
async def list_notifications(ctx: Context, query: NotificationsQuery) -> NotificationPage:
    return await ctx.services.notifier.page(ctx.principal, query)


@router.post("/api/notifications/read", summary="Mark all my notifications read, or one group's",
             body=NotificationsRead, body_optional=True, response=NotificationsReadOut)
async def read_notifications(ctx: Context, body: NotificationsRead) -> NotificationsReadOut:
    return await ctx.services.notifier.mark_read(ctx.principal, None, body.group_id)


@router.post("/api/notifications/{notification_id}/read", summary="Mark one of my notifications read",
             response=NotificationsReadOut)
async def read_notification(ctx: Context) -> NotificationsReadOut:
    return await ctx.services.notifier.mark_read(ctx.principal, ctx.path_id("notification_id"), None)


@router.get("/api/groups/{group_id}/notification-settings", summary="Whether I muted the group, and which channels",
            response=GroupNotificationSettings, errors=(PermissionDenied,))
async def group_settings(ctx: Context) -> GroupNotificationSettings:
    return await ctx.services.notifier.group_settings(ctx.principal, ctx.path_id("group_id"))


@router.put("/api/groups/{group_id}/notification-settings",
            summary="Mute or unmute the group's notifications for me (kept and listed, never pushed live)",
            body=MuteBody, response=GroupNotificationSettings, errors=(PermissionDenied,))
async def set_group_settings(ctx: Context, body: MuteBody) -> GroupNotificationSettings:
    return await ctx.services.notifier.group_settings(ctx.principal, ctx.path_id("group_id"), body.muted)


@router.get("/api/channels/{channel_id}/notification-settings", summary="Whether I muted the channel",
            response=ChannelNotificationSettings)
async def channel_settings(ctx: Context) -> ChannelNotificationSettings:
    return await ctx.services.notifier.channel_settings(ctx.principal, ctx.path_id("channel_id"))


@router.put("/api/channels/{channel_id}/notification-settings",
            summary="Mute or unmute the channel's notifications for me (kept and listed, never pushed live)",
            body=MuteBody, response=ChannelNotificationSettings)
async def set_channel_settings(ctx: Context, body: MuteBody) -> ChannelNotificationSettings:
    return await ctx.services.notifier.channel_settings(ctx.principal, ctx.path_id("channel_id"), body.muted)
