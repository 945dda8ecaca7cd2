"""TURN follows rights: whoever is taken out of a call loses the relays of that call's TURN
credentials on this node's coturn at once, and any relay those credentials open again later
(coturn's REST-secret credentials cannot be revoked, so the node keeps cutting until they expire)."""

from __future__ import annotations

import time

from control.coturn import Coturn
from control.rights import RightsChanged
from control.turn import participant_match


class TurnAccess:
    def __init__(self, coturn: Coturn, credential_ttl_s: int) -> None:
        self._coturn = coturn
        self._ttl_s = credential_ttl_s

    async def on_rights_changed(self, change: RightsChanged) -> None:
        # Every credential of that call given out so far expires by now + TTL.
        expiring_by = int(time.time()) + self._ttl_s
        for eviction in change.evicted:
            await self._coturn.revoke(participant_match(eviction.user_id, eviction.call_id), expiring_by)
