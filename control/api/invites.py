"""Invite links: create, list, preview, accept (as a member or as a guest), revoke."""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime, timedelta, timezone

import asyncpg

from control.access import group_access
from control.api.routing import ApiRouter, Context
from control.api.views import group_out, invite_out
from control.auth import sessions
from control.domain.permissions import (
    Permission,
    Role,
    channel_permissions,
    has_permission,
    may_invite_as,
)
from control.errors import (
    Gone,
    LimitReached,
    NotFound,
    PermissionDenied,
    Unauthenticated,
    ValidationFailed,
)
from control.realtime.membership import announce_joined
from control.store import channels, groups, invites, users
from schemas.rest import (
    InviteAccept,
    InviteAccepted,
    InviteChannelOut,
    InviteCreate,
    InviteOut,
    InvitePreview,
    InviteRole,
    RoleName,
)

router = ApiRouter("invites")


def new_invite_code() -> str:
    """192 random bits: unguessable, and short enough for a link."""
    return secrets.token_urlsafe(24)


async def create_invite_row(
    conn: asyncpg.Connection,
    group_id: uuid.UUID,
    role: InviteRole,
    created_by: uuid.UUID,
    *,
    expires_in_s: int | None,
    max_uses: int | None,
) -> asyncpg.Record:
    expires_at = datetime.now(timezone.utc) + timedelta(seconds=expires_in_s) if expires_in_s else None
    return await invites.insert_invite(
        conn,
        code=new_invite_code(),
        group_id=group_id,
        role=role.value,
        created_by=created_by,
        expires_at=expires_at,
        max_uses=max_uses,
    )


def _invite_not_found() -> NotFound:
    return NotFound("no such invite", code="invite_not_found")


def _check_usable(invite: asyncpg.Record) -> None:
    if invite["revoked_at"] is not None:
        raise Gone("this invite was revoked", code="invite_revoked")
    if invite["expires_at"] is not None and invite["expires_at"] <= datetime.now(timezone.utc):
        raise Gone("this invite has expired", code="invite_expired")
    if invite["max_uses"] is not None and invite["uses"] >= invite["max_uses"]:
        raise Gone("this invite has been used up", code="invite_used_up")


@router.post("/api/groups/{group_id}/invites", summary="Create an invite link", body=InviteCreate,
             body_optional=True, response=InviteOut, status=201, errors=(PermissionDenied,))
async def create_invite(ctx: Context, body: InviteCreate) -> InviteOut:
    async with ctx.services.db.transaction() as conn:
        access = await group_access(conn, ctx.principal, ctx.path_id("group_id"))
        role = access.require(Permission.INVITE_MEMBERS)
        if not may_invite_as(role, Role(body.role.value)):
            raise PermissionDenied(f"your role ({role}) may not invite {body.role}s")
        row = await create_invite_row(
            conn, access.group_id, body.role, ctx.principal.user_id, expires_in_s=body.expires_in_s,
            max_uses=body.max_uses,
        )
    return invite_out(row, ctx.services.settings.public_url)


@router.get("/api/groups/{group_id}/invites",
            summary="The group's invites (moderators: all; members: their own)", response=list[InviteOut],
            errors=(PermissionDenied,))
async def list_invites(ctx: Context) -> list[InviteOut]:
    async with ctx.services.db.connection() as conn:
        access = await group_access(conn, ctx.principal, ctx.path_id("group_id"))
        role = access.require(Permission.INVITE_MEMBERS)
        sees_all = has_permission(role, Permission.MANAGE_INVITES)
        rows = await invites.list_invites(conn, access.group_id, None if sees_all else ctx.principal.user_id)
    return [invite_out(row, ctx.services.settings.public_url) for row in rows]


@router.get("/api/invites/{code}", summary="What an invite opens: the group's name, purpose and channels",
            response=InvitePreview, auth=False, errors=(Gone,))
async def preview_invite(ctx: Context) -> InvitePreview:
    async with ctx.services.db.connection() as conn:
        invite = await invites.get_invite(conn, ctx.path("code"))
        if invite is None:
            raise _invite_not_found()
        _check_usable(invite)
        group = await groups.get_group(conn, invite["group_id"])
        channel_rows = await channels.list_channels(conn, invite["group_id"])
    assert group is not None
    invited_as = Role(invite["role"])
    return InvitePreview(
        code=invite["code"],
        role=invite["role"],
        group_id=group["id"],
        group_name=group["name"],
        group_description=group["description"],
        member_count=group["member_count"],
        # Only the channels the invited role will be able to see.
        channels=[
            InviteChannelOut(name=c["name"], kind=c["kind"], topic=c["topic"])
            for c in channel_rows
            if Permission.VIEW_CHANNEL in channel_permissions(invited_as, c["overrides"])
        ],
        expires_at=invite["expires_at"],
    )


@router.post("/api/invites/{code}/accept",
             summary="Join a group through an invite; a guest invite without a token creates a guest account",
             body=InviteAccept, body_optional=True, response=InviteAccepted, auth=False,
             errors=(PermissionDenied, LimitReached, Gone))
async def accept_invite(ctx: Context, body: InviteAccept) -> InviteAccepted:
    principal = ctx.maybe_principal
    async with ctx.services.db.transaction() as conn:
        invite = await invites.get_invite(conn, ctx.path("code"), lock=True)
        if invite is None:
            raise _invite_not_found()
        group_id: uuid.UUID = invite["group_id"]
        if principal is not None:
            if principal.is_guest and principal.guest_group_id != group_id:
                raise PermissionDenied("a guest account belongs to one group only", code="guest_account")
            existing = await groups.member_role(conn, group_id, principal.user_id)
            if existing is not None:
                # Accepting twice is harmless and does not spend a use.
                group = await groups.get_group(conn, group_id)
                assert group is not None
                return InviteAccepted(group=group_out(group, existing), role=RoleName(existing.value))
        _check_usable(invite)
        role = Role(invite["role"])
        tokens = None
        if principal is None:
            if role is not Role.GUEST:
                raise Unauthenticated("sign in (or sign up) to accept this invite")
            if not body.display_name:
                raise ValidationFailed(
                    "a guest needs a display name",
                    details=[{"loc": ["display_name"], "message": "required for guests", "type": "missing"}],
                )
            guest = await users.create_user(
                conn,
                username=f"guest-{secrets.token_hex(6)}",
                display_name=body.display_name,
                guest_group_id=group_id,
            )
            user_id = guest["id"]
        else:
            user_id = principal.user_id
        group = await groups.get_group(conn, group_id, lock=True)
        assert group is not None
        if group["member_count"] >= group["member_limit"]:
            raise LimitReached("this group is full", code="group_full")
        await groups.add_member(conn, group_id, user_id, role)
        await invites.count_use(conn, invite["code"])
        if principal is None:
            tokens = await sessions.issue_token_pair(conn, ctx.services, guest)
        group = await groups.get_group(conn, group_id)
    assert group is not None
    await announce_joined(ctx.services.realtime, group_id, user_id)
    return InviteAccepted(group=group_out(group, role), role=RoleName(role.value), tokens=tokens)


@router.delete("/api/invites/{code}", summary="Revoke an invite (its creator, or a moderator)", errors=(PermissionDenied,))
async def revoke_invite(ctx: Context) -> None:
    async with ctx.services.db.transaction() as conn:
        invite = await invites.get_invite(conn, ctx.path("code"), lock=True)
        if invite is None:
            raise _invite_not_found()
        try:
            access = await group_access(conn, ctx.principal, invite["group_id"])
        except NotFound:
            raise _invite_not_found() from None
        role = access.require(Permission.INVITE_MEMBERS)
        if invite["created_by"] != ctx.principal.user_id and not has_permission(role, Permission.MANAGE_INVITES):
            raise PermissionDenied("only its creator or a moderator may revoke an invite")
        await invites.revoke_invite(conn, invite["code"])
