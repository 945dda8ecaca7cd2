"""Bans: a moderator or the owner bans someone (with a reason) from a group; they are removed
at once and cannot come back through any invite until the ban is lifted."""

from __future__ import annotations

import uuid

from control.access import group_access
from control.auth.tokens import Principal
from control.domain.permissions import Permission, may_remove
from control.errors import NotFound, PermissionDenied
from control.groups.members import removed
from control.rights import RightsChange
from control.services import Services
from control.store import bans, events, groups, users
from control.views import ban_out
from schemas.rest import BanOut


async def ban(services: Services, principal: Principal, group_id: uuid.UUID, user_id: uuid.UUID,
              reason: str) -> BanOut:
    async with services.db.transaction() as conn:
        access = await group_access(conn, principal, group_id, lock=True)
        actor_role = access.require(Permission.REMOVE_MEMBERS)
        if user_id == principal.user_id:
            raise PermissionDenied("you cannot ban yourself", code="ban_not_allowed")
        if await users.get_user(conn, user_id) is None:
            raise NotFound("no such user", code="user_not_found")
        target = await groups.member_role(conn, group_id, user_id)
        # Someone outside the group may be banned ahead; a member only by a higher rank.
        if target is not None and not may_remove(actor_role, target):
            raise PermissionDenied(f"a {actor_role} cannot ban a {target}", code="ban_not_allowed")
        row = await bans.ban(conn, group_id, user_id, principal.user_id, reason)
        await events.record(conn, group_id, "member_banned", actor_id=principal.user_id, subject_id=user_id,
                            detail=reason)
        if target is not None:
            await groups.remove_member(conn, group_id, user_id)
    if target is not None:
        await removed(services, group_id, user_id, RightsChange.MEMBER_BANNED)
    return ban_out(row)


async def list_bans(services: Services, principal: Principal, group_id: uuid.UUID) -> list[BanOut]:
    async with services.db.connection() as conn:
        access = await group_access(conn, principal, group_id)
        access.require(Permission.REMOVE_MEMBERS)
        rows = await bans.list_bans(conn, group_id)
    return [ban_out(row) for row in rows]


async def lift(services: Services, principal: Principal, group_id: uuid.UUID, user_id: uuid.UUID) -> None:
    """Whoever may ban may lift a ban, unless someone of a higher rank made it."""
    async with services.db.transaction() as conn:
        access = await group_access(conn, principal, group_id)
        actor_role = access.require(Permission.REMOVE_MEMBERS)
        found = await bans.get_ban(conn, group_id, user_id)
        if found is None:
            raise NotFound("that user is not banned here", code="ban_not_found")
        by = await groups.member_role(conn, group_id, found["banned_by"])
        if by is not None and by.rank > actor_role.rank:
            raise PermissionDenied(f"a {by} made this ban; a {actor_role} cannot lift it", code="ban_not_allowed")
        await bans.lift(conn, group_id, user_id)
