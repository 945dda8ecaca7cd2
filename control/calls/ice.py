"""The ICE servers a client is given: STUN, and TURN with credentials bound to what they are for.

A call's participant gets credentials for that call, valid for TURN_TTL (renewed through
signaling); the network check page gets short-lived ones, so a credential taken outside a call
is worth little to anyone who copies it.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from control.settings import Settings
from control.turn import CHECK_SCOPE, turn_credentials
from schemas.signaling import IceServer

# The network check needs a relay for a few seconds; five minutes is the ceiling the issue sets.
CHECK_TTL_S = 300


def call_ice_servers(settings: Settings, user_id: uuid.UUID,
                     call_id: uuid.UUID) -> tuple[list[IceServer], datetime | None]:
    """For a live participant of `call_id` (the caller has checked that); and when its TURN
    credentials expire (none without TURN)."""
    servers = _ice_servers(settings, user_id, str(call_id), settings.turn_ttl_s)
    with_turn = any(server.username for server in servers)
    return servers, datetime.now(timezone.utc) + timedelta(seconds=settings.turn_ttl_s) if with_turn else None


def check_ice_servers(settings: Settings, user_id: uuid.UUID) -> list[IceServer]:
    """For the network check outside any call."""
    return _ice_servers(settings, user_id, CHECK_SCOPE, CHECK_TTL_S)


def _ice_servers(settings: Settings, user_id: uuid.UUID, scope: str, ttl_s: int) -> list[IceServer]:
    if settings.turn_mode == "off":
        return [IceServer(urls=list(settings.stun_urls))] if settings.stun_urls else []
    if settings.turn_mode == "managed":
        address = f"{settings.turn_host}:{settings.turn_port}"
        stun = [f"stun:{address}"]
        turn = [f"turn:{address}?transport=udp", f"turn:{address}?transport=tcp"]
        if settings.turn_tls_cert:
            turn.append(f"turns:{settings.turn_host}:5349?transport=tcp")
    else:
        stun, turn = list(settings.stun_urls), list(settings.turn_urls)
    servers = [IceServer(urls=stun)] if stun else []
    if turn:
        creds = turn_credentials(settings.turn_secret, user_id, scope, ttl_s)
        servers.append(IceServer(urls=turn, username=creds.username, credential=creds.password))
    return servers
