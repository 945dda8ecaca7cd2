"""What the web client asks before it does anything else: the sign-in options this server offers,
and the ICE servers (STUN, TURN with fresh credentials) for its network check."""

from __future__ import annotations

from control import __version__
from control.api.routing import ApiRouter, Context
from control.calls.ice import ice_servers
from schemas.rest import ClientConfigOut, IceServerOut, IceServersOut

router = ApiRouter("client")


@router.get("/api/client-config", summary="Sign-in options and version, for the web client", response=ClientConfigOut,
            auth=False)
async def client_config(ctx: Context) -> ClientConfigOut:
    return ClientConfigOut(oauth_providers=sorted(ctx.services.settings.oauth), version=__version__)


@router.get("/api/ice-servers", summary="STUN and TURN servers with credentials for me", response=IceServersOut)
async def my_ice_servers(ctx: Context) -> IceServersOut:
    servers = ice_servers(ctx.services.settings, ctx.principal.user_id)
    return IceServersOut(ice_servers=[IceServerOut(**s.model_dump()) for s in servers])
