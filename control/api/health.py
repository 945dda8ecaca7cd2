"""Liveness and readiness: the process answers and its database does."""

from __future__ import annotations

from control import __version__
from control.api.routing import ApiRouter, Context
from control.errors import ServiceUnavailable
from schemas.rest import HealthOut

router = ApiRouter("health")


@router.get("/api/health", summary="Is this node up and is its database reachable", response=HealthOut, auth=False,
            errors=(ServiceUnavailable,))
async def health(ctx: Context) -> HealthOut:
    try:
        async with ctx.services.db.connection() as conn:
            await conn.fetchval("SELECT 1")
    except Exception as exc:  # any database failure means not ready
        raise ServiceUnavailable(f"database unreachable: {type(exc).__name__}", code="database_unavailable") from None
    return HealthOut(status="ok", database="ok", version=__version__, node=ctx.services.sfu.node)
