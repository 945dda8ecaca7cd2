"""Serves the built web client (webclient/dist): its files, and index.html for every other
non-API path, so links like /invite/<code> open the app."""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

DIST = Path(__file__).resolve().parents[1] / "webclient" / "dist"


def webclient_routes(dist: Path = DIST) -> list[BaseRoute]:
    index = dist / "index.html"

    async def app_page(request: Request) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": {"code": "not_found", "message": "no such API path"}}, status_code=404)
        if not index.is_file():
            return JSONResponse({"error": {"code": "webclient_not_built",
                                           "message": "the web client is not built: run scripts/run"}}, status_code=503)
        # The page itself is never cached, so a new release's assets are picked up at once.
        return FileResponse(index, headers={"Cache-Control": "no-cache"})

    return [
        Mount("/assets", app=StaticFiles(directory=dist / "assets", check_dir=False), name="assets"),
        Route("/{path:path}", app_page, methods=["GET", "HEAD"]),
    ]
