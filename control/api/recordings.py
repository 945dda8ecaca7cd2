"""The group's archive of recordings: list and search, read, rename, delete, play links and the
media they lead to."""

from __future__ import annotations

from starlette.responses import RedirectResponse, Response, StreamingResponse

from control.api.routing import ApiRouter, Context
from control.errors import Conflict, Gone, InvalidInput, PermissionDenied, RangeNotSatisfiable, ServiceUnavailable
from control.recording.archive import Redirect
from schemas.rest import MediaQuery, RecordingLink, RecordingOut, RecordingPage, RecordingPatch, RecordingsQuery

router = ApiRouter("recordings")


@router.get("/api/groups/{group_id}/recordings", summary="The group's recordings I may see, newest first",
            query=RecordingsQuery, response=RecordingPage, errors=(PermissionDenied, InvalidInput))
async def list_recordings(ctx: Context, query: RecordingsQuery) -> RecordingPage:
    return await ctx.services.archive.search(ctx.principal, ctx.path_id("group_id"), query)


@router.get("/api/recordings/{recording_id}", summary="A recording with its participants and their consent",
            response=RecordingOut)
async def get_recording(ctx: Context) -> RecordingOut:
    return await ctx.services.archive.get(ctx.principal, ctx.path_id("recording_id"))


@router.patch("/api/recordings/{recording_id}", summary="Rename a recording (moderators)", body=RecordingPatch,
              response=RecordingOut, errors=(PermissionDenied,))
async def rename_recording(ctx: Context, body: RecordingPatch) -> RecordingOut:
    return await ctx.services.archive.rename(ctx.principal, ctx.path_id("recording_id"), body.title)


@router.delete("/api/recordings/{recording_id}", summary="Delete a recording and its file (moderators)",
               errors=(PermissionDenied, Conflict))
async def delete_recording(ctx: Context) -> None:
    await ctx.services.archive.delete(ctx.principal, ctx.path_id("recording_id"))


@router.post("/api/recordings/{recording_id}/link", summary="A link that plays or downloads the recording for a while",
             response=RecordingLink, errors=(Conflict,))
async def recording_link(ctx: Context) -> RecordingLink:
    return await ctx.services.archive.link(ctx.principal, ctx.path_id("recording_id"))


@router.get("/api/recordings/{recording_id}/media", summary="The MP4 a link leads to (HTTP ranges; S3: a redirect)",
            query=MediaQuery, auth=False, produces="video/mp4",
            errors=(PermissionDenied, Conflict, Gone, RangeNotSatisfiable, ServiceUnavailable))
async def recording_media(ctx: Context, query: MediaQuery) -> Response:
    found = await ctx.services.archive.media(ctx.path_id("recording_id"), query.token,
                                             ctx.request.headers.get("range"))
    if isinstance(found, Redirect):
        return RedirectResponse(found.url, status_code=302, headers={"Cache-Control": "no-store"})
    headers = {"Accept-Ranges": "bytes", "Cache-Control": "private, no-store"}
    if found.part is None:
        headers["Content-Length"] = str(found.size)
        return StreamingResponse(found.chunks, media_type="video/mp4", headers=headers)
    first, last = found.part
    headers |= {"Content-Range": f"bytes {first}-{last}/{found.size}", "Content-Length": str(last - first + 1)}
    return StreamingResponse(found.chunks, status_code=206, media_type="video/mp4", headers=headers)


@router.post("/api/channels/{channel_id}/call/recording",
             summary="Start recording the channel's call (moderators; everyone in it is asked to consent)",
             response=RecordingOut, status=201, errors=(PermissionDenied, Conflict))
async def start_call_recording(ctx: Context) -> RecordingOut:
    return await ctx.services.recording.begin(ctx.principal, channel_id=ctx.path_id("channel_id"))


@router.delete("/api/channels/{channel_id}/call/recording",
               summary="Stop recording the channel's call; the MP4 reaches the archive moments later",
               response=RecordingOut, errors=(PermissionDenied, Conflict))
async def stop_call_recording(ctx: Context) -> RecordingOut:
    return await ctx.services.recording.end(ctx.principal, channel_id=ctx.path_id("channel_id"))
