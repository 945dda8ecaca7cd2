"""Rights are live: the one place a change of someone's rights is announced, and the surfaces
that react to it.

Every service that changes rights (a sign-in revoked, a member removed or banned, a role or a
channel's permissions changed, a channel or group deleted, a guest's call time used up, a
moderator's mute) calls `Rights.changed` once, after its transaction committed. Then:

1. the enforcers run here, once for the whole cluster (the call service takes people out of
   calls they may no longer be in and narrows what the others may send; its pushes and SFU hooks
   reach every node over the bus), and report whom they took out of which call;
2. the change, with those removals, goes on the bus to every node (this one included), where
   the node-local surfaces react: sockets of a revoked sign-in are closed, TURN allocations of
   the people taken out of a call are cut.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Awaitable, Callable

import structlog

from control.realtime.hub import Hub
from control.store.bus import Event
from control.tasks import TaskSet

log = structlog.get_logger(__name__)

TOPIC = "rights"


class RightsChange(StrEnum):
    SIGN_IN_REVOKED = "sign_in_revoked"  # logout, refresh-token reuse, password change, account claimed
    MEMBER_REMOVED = "member_removed"
    MEMBER_BANNED = "member_banned"
    ROLE_CHANGED = "role_changed"
    CHANNEL_CHANGED = "channel_changed"  # its permission overrides
    CHANNEL_DELETED = "channel_deleted"
    GROUP_DELETED = "group_deleted"
    GUEST_LIMIT = "guest_limit"
    MUTED = "muted"  # a moderator muted or unmuted someone in a call


@dataclass(frozen=True)
class Eviction:
    """Someone taken out of a call by a change of rights."""

    user_id: uuid.UUID
    call_id: uuid.UUID


@dataclass(frozen=True)
class RightsChanged:
    change: RightsChange
    # Whose rights changed; None: everyone's in the group or channel.
    user_id: uuid.UUID | None = None
    group_id: uuid.UUID | None = None
    channel_id: uuid.UUID | None = None
    # SIGN_IN_REVOKED: the one sign-in revoked.
    sign_in_id: uuid.UUID | None = None
    evicted: tuple[Eviction, ...] = field(default=())

    def to_event(self) -> Event:
        def text(value: uuid.UUID | None) -> str | None:
            return str(value) if value is not None else None

        return {
            "change": self.change.value, "user_id": text(self.user_id), "group_id": text(self.group_id),
            "channel_id": text(self.channel_id), "sign_in_id": text(self.sign_in_id),
            "evicted": [[str(e.user_id), str(e.call_id)] for e in self.evicted],
        }

    @classmethod
    def from_event(cls, event: Event) -> RightsChanged:
        def ident(key: str) -> uuid.UUID | None:
            value = event.get(key)
            return uuid.UUID(value) if value else None

        return cls(
            change=RightsChange(event["change"]), user_id=ident("user_id"), group_id=ident("group_id"),
            channel_id=ident("channel_id"), sign_in_id=ident("sign_in_id"),
            evicted=tuple(Eviction(uuid.UUID(u), uuid.UUID(c)) for u, c in event.get("evicted", [])),
        )


Enforcer = Callable[[RightsChanged], Awaitable[list[Eviction]]]
Reaction = Callable[[RightsChanged], Awaitable[None]]


class Rights:
    def __init__(self, hub: Hub) -> None:
        self._hub = hub
        # Run once, on the node where the change happened (they act on shared state).
        self.enforcers: list[Enforcer] = []
        # Run on every node, for what lives in that node alone (sockets, its coturn).
        self.reactions: list[Reaction] = []
        self._tasks = TaskSet("rights")

    async def start(self) -> None:
        await self._hub.listen(TOPIC, self._on_event)

    async def close(self) -> None:
        await self._hub.stop_listening(TOPIC)
        await self._tasks.close()

    async def changed(self, change: RightsChanged) -> None:
        evicted = list(change.evicted)  # a deletion takes people out of calls in its own transaction
        for enforce in self.enforcers:
            try:
                evicted += await enforce(change)
            except Exception:  # the change is committed: the other surfaces must still hear of it
                log.exception("rights_enforcement_failed", change=change.change.value)
        log.info("rights_changed", change=change.change.value, user_id=str(change.user_id),
                 group_id=str(change.group_id), channel_id=str(change.channel_id), evicted=len(evicted))
        full = RightsChanged(change.change, change.user_id, change.group_id, change.channel_id,
                             change.sign_in_id, tuple(evicted))
        await self._hub.publish_raw(TOPIC, full.to_event())

    def _on_event(self, event: Event) -> None:
        self._tasks.spawn(self._react(RightsChanged.from_event(event)))

    async def _react(self, change: RightsChanged) -> None:
        for react in self.reactions:
            try:
                await react(change)
            except Exception:  # one surface failing must not keep the others from reacting
                log.exception("rights_reaction_failed", change=change.change.value)
