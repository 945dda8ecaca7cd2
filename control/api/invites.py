"""Invite links: create, list, preview, accept (as a member or as a guest), revoke; and the
invitations addressed to me."""

from __future__ import annotations

from control.api.routing import ApiRouter, Context
from control.errors import Gone, LimitReached, PermissionDenied
from control.groups import invites
from schemas.rest import (
    InviteAccept,
    InviteAccepted,
    InviteCreate,
    InviteOut,
    InvitePreview,
    PendingInviteOut,
)

router = ApiRouter("invites")


@router.post("/api/groups/{group_id}/invites", summary="Create an invite link", body=InviteCreate,
             body_optional=True, response=InviteOut, status=201, errors=(PermissionDenied,))
async def create_invite(ctx: Context, body: InviteCreate) -> InviteOut:
    return await invites.create(ctx.services, ctx.principal, ctx.path_id("group_id"), body)


@router.get("/api/groups/{group_id}/invites",
            summary="The group's invites (moderators: all; members: their own)", response=list[InviteOut],
            errors=(PermissionDenied,))
async def list_invites(ctx: Context) -> list[InviteOut]:
    return await invites.list_for_group(ctx.services, ctx.principal, ctx.path_id("group_id"))


@router.get("/api/me/invites", summary="Invitations addressed to me that I have not answered",
            response=list[PendingInviteOut])
async def my_invites(ctx: Context) -> list[PendingInviteOut]:
    return await invites.pending(ctx.services, ctx.principal)


@router.get("/api/invites/{code}", summary="What an invite opens: the group's name, purpose and channels",
            response=InvitePreview, auth=False, errors=(Gone,))
async def preview_invite(ctx: Context) -> InvitePreview:
    return await invites.preview(ctx.services, ctx.path("code"))


@router.post("/api/invites/{code}/accept",
             summary="Join a group through an invite; a guest invite without a token creates a guest account",
             body=InviteAccept, body_optional=True, response=InviteAccepted, auth=False,
             errors=(PermissionDenied, LimitReached, Gone))
async def accept_invite(ctx: Context, body: InviteAccept) -> InviteAccepted:
    return await invites.accept(ctx.services, ctx.maybe_principal, ctx.path("code"), body.display_name)


@router.delete("/api/invites/{code}", summary="Revoke an invite (its creator, or a moderator)", errors=(PermissionDenied,))
async def revoke_invite(ctx: Context) -> None:
    await invites.revoke(ctx.services, ctx.principal, ctx.path("code"))
