"""Deleting one's own account (`DELETE /api/me`).

Proof first: the password, or for an account without one (OAuth, guest) a sign-in begun in the
last five minutes. Then every group the account owns is handed to a member or deleted, as the
request says for each (none may be left unresolved: the client asks). One transaction then
revokes every sign-in, takes the person out of any call, and removes the account; what
references it goes or stays anonymised as control/account/references.py lists (messages stay,
authorless). Once committed, the groups are told, and each revoked sign-in is announced
(control/rights.py), which closes the person's sockets (4004) on every node and cuts their TURN.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

import asyncpg

from control.auth.passwords import verify_password
from control.auth.tokens import Principal
from control.domain.permissions import Role
from control.errors import Conflict, NotFound, PermissionDenied
from control.groups.announce import announce_left
from control.groups.deletion import DeletedGroup, after_group_deleted, delete_group_locked
from control.groups.members import role_changed
from control.realtime.frames import group_frames
from control.rights import RightsChange, RightsChanged
from control.services import Services
from control.store import groups, personal_data, users
from schemas.rest import AccountDeletion
from schemas.signaling import CallRemovalReason

# An account without a password proves itself with a sign-in this fresh (a stolen long-lived
# refresh token alone cannot delete the account).
RECENT_SIGN_IN = timedelta(minutes=5)


@dataclass(frozen=True)
class _Outcome:
    transferred: list[tuple[uuid.UUID, uuid.UUID]]  # (group, new owner)
    deleted: list[DeletedGroup]
    left: list[uuid.UUID]  # groups the person was a member of, still standing
    sign_ins: list[uuid.UUID]
    evicted: list[tuple[asyncpg.Record, CallRemovalReason]]


async def delete_account(services: Services, principal: Principal, body: AccountDeletion) -> None:
    async with services.db.transaction() as conn:
        await _prove(conn, principal, body.password)
        # Group rows first, as every membership change locks them first: one order, no deadlock.
        # Every group of the person's, not only those they own: a group being handed to them
        # right now is theirs to resolve once that transfer commits.
        await personal_data.lock_groups_of(conn, principal.user_id)
        owned = await personal_data.owned_groups(conn, principal.user_id)
        choices = await _resolve(conn, principal.user_id, owned, body.owned_groups)
        transferred: list[tuple[uuid.UUID, uuid.UUID]] = []
        deleted: list[DeletedGroup] = []
        for group_id, new_owner in choices.items():
            if new_owner is None:
                deleted.append(await delete_group_locked(services, conn, group_id))
            else:
                await groups.set_member_role(conn, group_id, new_owner, Role.OWNER)
                await groups.set_owner(conn, group_id, new_owner)
                transferred.append((group_id, new_owner))
        left = await groups.group_ids_of(conn, principal.user_id)  # deleted groups took their memberships
        sign_ins = await users.revoke_families_except(conn, principal.user_id, None)
        evicted = await services.calls.evict_locked(conn, user_id=principal.user_id)
        await personal_data.delete_user(conn, principal.user_id)
    await _tell(services, principal.user_id, _Outcome(transferred, deleted, left, sign_ins, evicted))


async def _prove(conn: asyncpg.Connection, principal: Principal, password: str | None) -> None:
    user = await users.get_user(conn, principal.user_id)
    if user is None:
        raise NotFound("the account no longer exists", code="account_not_found")
    if user["password_hash"]:
        if password is None:
            raise PermissionDenied("enter your password to delete the account", code="password_required")
        if not verify_password(user["password_hash"], password):
            raise PermissionDenied("the password is wrong", code="wrong_password")
        return
    assert principal.sign_in_id is not None  # the edge refuses tokens without a live sign-in
    age = await personal_data.sign_in_age(conn, principal.sign_in_id)
    if age is None or age > RECENT_SIGN_IN:
        raise PermissionDenied("sign in again (within the last 5 minutes) to delete the account",
                               code="recent_sign_in_required")


async def _resolve(conn: asyncpg.Connection, user_id: uuid.UUID, owned: list[asyncpg.Record],
                   asked: dict[uuid.UUID, str]) -> dict[uuid.UUID, uuid.UUID | None]:
    """Each owned group → its new owner, or None to delete it. Every owned group must be named,
    and only those; a new owner must be a member (not a guest) other than the person leaving."""
    owned_ids = {g["id"] for g in owned}
    unresolved = [{"group_id": str(g["id"]), "name": g["name"]} for g in owned if g["id"] not in asked]
    if unresolved:
        raise Conflict("say for each group you own whether to hand it over or delete it",
                       code="owned_groups_unresolved", details={"groups": unresolved})
    strangers = sorted(str(g) for g in asked.keys() - owned_ids)
    if strangers:
        raise Conflict("you do not own these groups", code="not_owned_groups", details={"groups": strangers})
    choices: dict[uuid.UUID, uuid.UUID | None] = {}
    for group_id in sorted(owned_ids):
        choice = asked[group_id]
        if choice == "delete":
            choices[group_id] = None
            continue
        new_owner = uuid.UUID(choice.removeprefix("transfer:"))
        role = await groups.member_role(conn, group_id, new_owner)
        if new_owner == user_id or role is None or role is Role.GUEST:
            raise Conflict("a group can only be handed to another member who is not a guest",
                           code="transfer_target_invalid",
                           details={"group_id": str(group_id), "user_id": str(new_owner)})
        choices[group_id] = new_owner
    return choices


async def _tell(services: Services, user_id: uuid.UUID, outcome: _Outcome) -> None:
    for deleted in outcome.deleted:
        await after_group_deleted(services, deleted)
    for group_id in outcome.left:
        await announce_left(services.realtime, group_id, user_id, account_deleted=True)
    for group_id, new_owner in outcome.transferred:
        await role_changed(services, group_id, new_owner)
        async with services.db.connection() as conn:
            group = await groups.get_group(conn, group_id)
        if group is not None:
            await services.realtime.hub.publish_to_group(group_id, group_frames(group))
    evicted = tuple(await services.calls.after_eviction(outcome.evicted))
    # Every sign-in is announced (each closes its sockets); the first carries the call evictions.
    for index, sign_in_id in enumerate(outcome.sign_ins):
        await services.rights.changed(RightsChanged(RightsChange.SIGN_IN_REVOKED, user_id=user_id,
                                                    sign_in_id=sign_in_id, evicted=evicted if index == 0 else ()))
