"""What the web client asks before it does anything else: the sign-in options this server offers,
and the ICE servers (STUN, TURN with fresh credentials) for its network check."""

from __future__ import annotations

from control import __version__
from control.api.routing import ApiRouter, Context
from control.calls.ice import check_ice_servers
from control.errors import RateLimited
from schemas.rest import ClientConfigOut, IceServerOut, IceServersOut

router = ApiRouter("client")


@router.get("/api/client-config", summary="Sign-in options and version, for the web client", response=ClientConfigOut,
            auth=False)
async def client_config(ctx: Context) -> ClientConfigOut:
    return ClientConfigOut(oauth_providers=sorted(ctx.services.settings.oauth), version=__version__)


@router.get("/api/ice-servers", summary="STUN and TURN servers with 5-minute credentials, for the network check "
            "(429 rate_limited past TURN_CHECK_RATE per TURN_CHECK_WINDOW)",
            response=IceServersOut, errors=(RateLimited,))
async def my_ice_servers(ctx: Context) -> IceServersOut:
    settings = ctx.services.settings
    # Per user: each answer is a working relay credential, so it must not be a free supply.
    await ctx.services.limiter.hit(f"ice-servers:user:{ctx.principal.user_id}", settings.turn_check_rate,
                                   settings.turn_check_window_s)
    servers = check_ice_servers(settings, ctx.principal.user_id)
    return IceServersOut(ice_servers=[IceServerOut(**s.model_dump()) for s in servers])
