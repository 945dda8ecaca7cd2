"""My personal data: download all of it, or delete the account."""

from __future__ import annotations

from typing import AsyncIterator

from starlette.responses import StreamingResponse

from control.account import deletion, export
from control.api.auth import limit_attempts
from control.api.routing import ApiRouter, Context
from control.errors import Conflict, NotFound, PermissionDenied, RateLimited
from schemas.personal_data import MeExport
from schemas.rest import AccountDeletion

router = ApiRouter("account")


@router.get("/api/me/export", summary="Everything PeerShare holds about me, as one JSON document (streamed;"
            " limited as the group export is)", response=MeExport, errors=(NotFound, Conflict, RateLimited))
async def export_my_data(ctx: Context) -> StreamingResponse:
    user_id = ctx.principal.user_id

    async def opened() -> AsyncIterator[bytes]:
        await export.account_exists(ctx.services.db, user_id)
        return export.export_document(ctx.services.db, user_id)

    return StreamingResponse(
        await ctx.services.downloads.stream(user_id, opened), media_type="application/json",
        headers={"Content-Disposition": 'attachment; filename="peershare-my-data.json"', "Cache-Control": "no-store"})


@router.delete("/api/me",
               summary="Delete my account: every sign-in ends, owned groups are handed over or deleted as asked,"
                       " my messages stay as a deleted user's",
               body=AccountDeletion, errors=(PermissionDenied, Conflict, NotFound, RateLimited))
async def delete_my_account(ctx: Context, body: AccountDeletion) -> None:
    # It checks the password: a stolen access token must not be a way to guess it.
    await limit_attempts(ctx, "delete_account", str(ctx.principal.user_id))
    await deletion.delete_account(ctx.services, ctx.principal, body)
