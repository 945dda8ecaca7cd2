"""Serves the built web client (webclient/dist): its files, and index.html for every other
non-API path, so links like /invite/<code> open the app. Never a source map (*.map), even if a
build left one behind: it would hand out the app's sources.

The installable app's files sit at fixed names: the manifest, its icons, and the service worker
at the root (a worker's scope is the folder it is served from, so /sw.js covers the whole app
with no Service-Worker-Allowed header)."""

from __future__ import annotations

from pathlib import Path

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Scope


def _is_source_map(path: str) -> bool:
    return path.lower().endswith(".map")


class _Assets(StaticFiles):
    async def get_response(self, path: str, scope: Scope) -> Response:
        if _is_source_map(path):
            raise HTTPException(404, "no such file")
        return await super().get_response(path, scope)


# Files at the root by fixed name, with their types; never cached unchecked, so a new release's
# worker and manifest are seen at once (the worker's own bytes tell the browser of an update).
_ROOT_FILES = {"sw.js": "text/javascript", "manifest.webmanifest": "application/manifest+json"}


def webclient_routes(dist: Path) -> list[BaseRoute]:
    index = dist / "index.html"

    async def root_file(request: Request) -> Response:
        name = request.url.path.removeprefix("/")
        if not (dist / name).is_file():
            return JSONResponse({"error": {"code": "not_found", "message": "no such path"}}, status_code=404)
        return FileResponse(dist / name, media_type=_ROOT_FILES[name], headers={"Cache-Control": "no-cache"})

    async def app_page(request: Request) -> Response:
        if request.url.path.startswith("/api/") or _is_source_map(request.url.path):
            return JSONResponse({"error": {"code": "not_found", "message": "no such path"}}, status_code=404)
        if not index.is_file():
            return JSONResponse({"error": {"code": "webclient_not_built",
                                           "message": "the web client is not built: run scripts/run"}}, status_code=503)
        # The page itself is never cached, so a new release's assets are picked up at once.
        return FileResponse(index, headers={"Cache-Control": "no-cache"})

    return [
        Mount("/assets", app=_Assets(directory=dist / "assets", check_dir=False), name="assets"),
        Mount("/icons", app=_Assets(directory=dist / "icons", check_dir=False), name="icons"),
        *(Route(f"/{name}", root_file, methods=["GET", "HEAD"]) for name in _ROOT_FILES),
        Route("/{path:path}", app_page, methods=["GET", "HEAD"]),
    ]
