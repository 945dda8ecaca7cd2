"""The ICE servers a participant is given: STUN, and TURN with credentials for this user."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from control.settings import Settings
from control.turn import turn_credentials
from schemas.signaling import IceServer


def call_ice_servers(settings: Settings, user_id: uuid.UUID,
                     call_id: uuid.UUID) -> tuple[list[IceServer], datetime | None]:
    """For a live participant of `call_id`; when its TURN credentials expire."""
    servers = ice_servers(settings, user_id)
    has_turn = any(s.username for s in servers)
    return servers, (datetime.now(timezone.utc) + timedelta(seconds=settings.turn_ttl_s) if has_turn else None)


def ice_servers(settings: Settings, user_id: uuid.UUID) -> list[IceServer]:
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
    creds = turn_credentials(settings.turn_secret, user_id, settings.turn_ttl_s)
    servers = [IceServer(urls=stun)] if stun else []
    if turn:
        servers.append(IceServer(urls=turn, username=creds.username, credential=creds.password))
    return servers
