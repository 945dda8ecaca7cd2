"""A group's history for its members: calls, activity, analytics, and the export (JSON) and
calls table (CSV) downloads."""

from __future__ import annotations

from starlette.responses import StreamingResponse

from control.api.routing import ApiRouter, Context
from control.errors import InvalidInput
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


@router.get("/api/groups/{group_id}/analytics", summary="Calls, minutes, TURN share, quality and join success by day",
            query=AnalyticsQuery, response=GroupAnalyticsOut, errors=(InvalidInput,))
async def group_analytics(ctx: Context, query: AnalyticsQuery) -> GroupAnalyticsOut:
    return await analytics.analytics(ctx.services.db, ctx.principal, ctx.path_id("group_id"), query)


def _download(found: export.Download, media_type: str) -> StreamingResponse:
    return StreamingResponse(found.chunks, media_type=media_type, headers={
        "Content-Disposition": f'attachment; filename="{found.filename}"', "Cache-Control": "private, no-store"})


@router.get("/api/groups/{group_id}/export", summary="The group as one JSON document (streamed)", query=ExportQuery,
            response=GroupExport)
async def export_group(ctx: Context, query: ExportQuery) -> StreamingResponse:
    found = await export.export_json(ctx.services.db, ctx.principal, ctx.path_id("group_id"), query.messages == "true")
    return _download(found, "application/json")


@router.get("/api/groups/{group_id}/calls.csv", summary="The calls table as CSV (what the export holds)",
            query=CallsCsvQuery, produces="text/csv", errors=(InvalidInput,))
async def calls_csv(ctx: Context, query: CallsCsvQuery) -> StreamingResponse:
    found = await export.export_csv(ctx.services.db, ctx.principal, ctx.path_id("group_id"), query)
    return _download(found, "text/csv; charset=utf-8")
