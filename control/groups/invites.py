"""Invites: links anyone holding them may use, and invitations addressed to one person. Create,
list, preview, accept (as a member or as a guest), revoke, and my pending invitations."""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime, timedelta, timezone

import asyncpg

from control.access import group_access
from control.auth import sessions
from control.auth.tokens import Principal
from control.domain.permissions import (
    Permission,
    Role,
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
from control.groups.announce import announce_joined
from control.services import Services
from control.store import bans, channels, events, groups, invites, users
from control.store.notifications import NewNotification
from control.views import group_out, invite_out, invite_preview_out, pending_invite_out
from schemas.rest import (
    InviteAccepted,
    InviteCreate,
    InviteOut,
    InvitePreview,
    InviteRole,
    PendingInviteOut,
    RoleName,
)


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
    invitee_id: uuid.UUID | None = None,
) -> asyncpg.Record:
    expires_at = datetime.now(timezone.utc) + timedelta(seconds=expires_in_s) if expires_in_s else None
    row = await invites.insert_invite(
        conn,
        code=new_invite_code(),
        group_id=group_id,
        role=role.value,
        created_by=created_by,
        expires_at=expires_at,
        max_uses=max_uses,
        invitee_id=invitee_id,
    )
    # The code's first characters tell invites apart without handing the code out.
    await events.record(conn, group_id, "invite_created", actor_id=created_by, subject_id=invitee_id,
                        detail=f"{row['code'][:6]}… ({role.value})")
    return row


def _invite_not_found() -> NotFound:
    return NotFound("no such invite", code="invite_not_found")


def _check_usable(invite: asyncpg.Record) -> None:
    if invite["revoked_at"] is not None:
        raise Gone("this invite was revoked", code="invite_revoked")
    if invite["expires_at"] is not None and invite["expires_at"] <= datetime.now(timezone.utc):
        raise Gone("this invite has expired", code="invite_expired")
    if invite["max_uses"] is not None and invite["uses"] >= invite["max_uses"]:
        raise Gone("this invite has been used up", code="invite_used_up")


async def create(services: Services, principal: Principal, group_id: uuid.UUID, body: InviteCreate) -> InviteOut:
    async with services.db.transaction() as conn:
        access = await group_access(conn, principal, group_id)
        role = access.require(Permission.INVITE_MEMBERS)
        if not may_invite_as(role, Role(body.role.value)):
            raise PermissionDenied(f"your role ({role}) may not invite {body.role}s")
        row = await create_invite_row(conn, group_id, body.role, principal.user_id, expires_in_s=body.expires_in_s,
                                      max_uses=body.max_uses)
    return invite_out(row, services.settings.public_url)


async def list_for_group(services: Services, principal: Principal, group_id: uuid.UUID) -> list[InviteOut]:
    """Moderators see all of the group's invites; members their own."""
    async with services.db.connection() as conn:
        access = await group_access(conn, principal, group_id)
        role = access.require(Permission.INVITE_MEMBERS)
        sees_all = has_permission(role, Permission.MANAGE_INVITES)
        rows = await invites.list_invites(conn, group_id, None if sees_all else principal.user_id)
    return [invite_out(row, services.settings.public_url) for row in rows]


async def pending(services: Services, principal: Principal) -> list[PendingInviteOut]:
    async with services.db.connection() as conn:
        rows = await invites.pending_for(conn, principal.user_id)
    return [pending_invite_out(row) for row in rows]


async def preview(services: Services, code: str) -> InvitePreview:
    async with services.db.connection() as conn:
        invite = await invites.get_invite(conn, code)
        if invite is None:
            raise _invite_not_found()
        _check_usable(invite)
        group = await groups.get_group(conn, invite["group_id"])
        channel_rows = await channels.list_channels(conn, invite["group_id"])
    assert group is not None
    return invite_preview_out(invite, group, channel_rows)


async def accept(services: Services, principal: Principal | None, code: str,
                 display_name: str | None) -> InviteAccepted:
    """Joins the invite's group; a guest invite without a signed-in caller creates a guest account."""
    async with services.db.transaction() as conn:
        invite = await invites.get_invite(conn, code, lock=True)
        if invite is None:
            raise _invite_not_found()
        if invite["invitee_id"] is not None and (principal is None or principal.user_id != invite["invitee_id"]):
            raise _invite_not_found()  # someone else's invitation: nothing to see here
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
            if await bans.is_banned(conn, group_id, principal.user_id):
                raise PermissionDenied("you are banned from this group", code="banned")
            if principal.is_guest and invite["role"] != Role.GUEST.value:
                raise PermissionDenied("a guest account stays a guest", code="guest_account")
        _check_usable(invite)
        role = Role(invite["role"])
        if principal is None:
            if role is not Role.GUEST:
                raise Unauthenticated("sign in (or sign up) to accept this invite")
            if not display_name:
                raise ValidationFailed(
                    "a guest needs a display name",
                    details=[{"loc": ["display_name"], "message": "required for guests", "type": "missing"}],
                )
            account = await users.create_user(conn, username=f"guest-{secrets.token_hex(6)}",
                                              display_name=display_name, guest_group_id=group_id)
            user_id = account["id"]
        else:
            account, user_id = None, principal.user_id
        group = await groups.get_group(conn, group_id, lock=True)
        assert group is not None
        if group["member_count"] >= group["member_limit"]:
            raise LimitReached("this group is full", code="group_full")
        await groups.add_member(conn, group_id, user_id, role)
        await invites.count_use(conn, invite["code"])
        await events.record(conn, group_id, "member_joined", actor_id=user_id, subject_id=user_id, detail=role.value)
        await events.record(conn, group_id, "invite_used", actor_id=user_id, subject_id=invite["created_by"],
                            detail=f"{invite['code'][:6]}…")
        tokens = await sessions.issue_token_pair(conn, services, account) if account is not None else None
        group = await groups.get_group(conn, group_id)
    assert group is not None
    await announce_joined(services.realtime, group_id, user_id)
    if invite["created_by"] != user_id:
        await services.notifier.notify([invite["created_by"]], NewNotification(
            kind="invite_accepted", group_id=group_id, from_user_id=user_id))
    return InviteAccepted(group=group_out(group, role), role=RoleName(role.value), tokens=tokens)


async def revoke(services: Services, principal: Principal, code: str) -> None:
    """Its creator, or a moderator, may revoke an invite."""
    async with services.db.transaction() as conn:
        invite = await invites.get_invite(conn, code, lock=True)
        if invite is None:
            raise _invite_not_found()
        try:
            access = await group_access(conn, principal, invite["group_id"])
        except NotFound:
            raise _invite_not_found() from None
        role = access.require(Permission.INVITE_MEMBERS)
        if invite["created_by"] != principal.user_id and not has_permission(role, Permission.MANAGE_INVITES):
            raise PermissionDenied("only its creator or a moderator may revoke an invite")
        await invites.revoke_invite(conn, invite["code"])


async def tell_invited(services: Services, group_id: uuid.UUID, user_id: uuid.UUID, by: uuid.UUID, code: str) -> None:
    """The invited person hears of it at once, on every device."""
    await services.notifier.notify([user_id], NewNotification(kind="group_invite", group_id=group_id, from_user_id=by,
                                                               invite_code=code))
