"""A group's history for its members: calls, activity, analytics, and the export (JSON) and
calls table (CSV) downloads."""

from __future__ import annotations

from typing import AsyncIterator, Awaitable, Callable

from starlette.responses import StreamingResponse

from control.api.routing import ApiRouter, Context
from control.errors import Conflict, InvalidInput, RateLimited
from control.history import activity, analytics, calls, export
from schemas.rest import (
    ActivityQuery,
    AnalyticsQuery,
    CallHistoryPage,
    CallHistoryQuery,
    CallsCsvQuery,
    ExportQuery,
    GroupActivityPage,
    GroupAnalyticsOut,
    GroupExport,
)

router = ApiRouter("history")


@router.get("/api/groups/{group_id}/calls", summary="The group's calls, newest first, with participants and quality",
            query=CallHistoryQuery, response=CallHistoryPage, errors=(InvalidInput,))
async def list_calls(ctx: Context, query: CallHistoryQuery) -> CallHistoryPage:
    return await calls.page(ctx.services.db, ctx.principal, ctx.path_id("group_id"), query)


@router.get("/api/groups/{group_id}/activity", summary="What happened in the group, newest first",
            query=ActivityQuery, response=GroupActivityPage, errors=(InvalidInput,))
async def list_activity(ctx: Context, query: ActivityQuery) -> GroupActivityPage:
    return await activity.page(ctx.services.db, ctx.principal, ctx.path_id("group_id"), query)


@router.get("/api/groups/{group_id}/analytics", summary="Calls, minutes, TURN share, quality and join success by day"
            " (429 rate_limited past ANALYTICS_RATE per ANALYTICS_WINDOW)",
            query=AnalyticsQuery, response=GroupAnalyticsOut, errors=(InvalidInput, RateLimited))
async def group_analytics(ctx: Context, query: AnalyticsQuery) -> GroupAnalyticsOut:
    settings = ctx.services.settings
    # Each answer scans the group's calls in the range.
    await ctx.services.limiter.hit(f"analytics:user:{ctx.principal.user_id}", settings.analytics_rate,
                                   settings.analytics_window_s)
    return await analytics.analytics(ctx.services.db, ctx.principal, ctx.path_id("group_id"), query)


async def _download(ctx: Context, start: Callable[[], Awaitable[export.Download]], media_type: str) -> StreamingResponse:
    filename = ""

    async def opened() -> AsyncIterator[str]:
        nonlocal filename
        found = await start()
        filename = found.filename
        return found.chunks

    chunks = await ctx.services.downloads.stream(ctx.principal.user_id, opened)
    return StreamingResponse(chunks, media_type=media_type, headers={
        "Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "private, no-store"})


@router.get("/api/groups/{group_id}/export", summary="The group as one JSON document (streamed; one download at a"
            " time per person: 409 download_in_progress; 429 rate_limited past DOWNLOAD_RATE per DOWNLOAD_WINDOW)",
            query=ExportQuery, response=GroupExport, errors=(Conflict, RateLimited))
async def export_group(ctx: Context, query: ExportQuery) -> StreamingResponse:
    return await _download(ctx, lambda: export.export_json(ctx.services.db, ctx.principal, ctx.path_id("group_id"),
                                                           query.messages == "true"), "application/json")


@router.get("/api/groups/{group_id}/calls.csv", summary="The calls table as CSV (what the export holds; limited as"
            " the export is)", query=CallsCsvQuery, produces="text/csv", errors=(InvalidInput, Conflict, RateLimited))
async def calls_csv(ctx: Context, query: CallsCsvQuery) -> StreamingResponse:
    return await _download(ctx, lambda: export.export_csv(ctx.services.db, ctx.principal, ctx.path_id("group_id"),
                                                          query), "text/csv; charset=utf-8")
