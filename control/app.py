"""Builds the Starlette application from settings: the only place where parts are wired."""

from __future__ import annotations

import contextlib
from typing import AsyncIterator

import httpx
import structlog
from redis.asyncio import Redis
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.types import ASGIApp

from control.api import (
    account,
    auth,
    channels,
    client,
    groups,
    health,
    history,
    invites,
    members,
    messages,
    notifications,
    oauth,
    recordings,
)
from control.api.openapi import DOCS_POLICY, build_openapi, render_docs
from control.api.routing import Endpoint, error_response, starlette_routes
from control.auth.tokens import TokenService
from control.calls.media_engine import MediaEngine
from control.calls.service import CallService
from control.calls.turn_access import TurnAccess
from control.calls.sfu import SfuService
from control.chat import Chat
from control.coturn import Coturn, coturn_config
from control.downloads import DownloadSlots
from control.errors import PeerShareError
from control.metrics import metrics_endpoint
from control.notifications import Notifier
from control.proxies import TrustedProxies
from control.ratelimit import MemoryRateLimiter, RedisRateLimiter
from control.realtime.gateway import Realtime
from control.recording.archive import Archive
from control.recording.service import RecordingService
from control.recording.retention import Retention
from control.recording.storage import open_storage
from control.rights import Rights
from control.security_headers import SecurityHeaders
from control.services import Services
from control.settings import Settings
from control.signaling.endpoint import gateway
from control.store.embedded import database_url
from control.store.postgres import Database, migrate
from control.webapp import webclient_routes

log = structlog.get_logger(__name__)

ENDPOINTS: list[Endpoint] = [
    ep
    for module in (health, client, auth, account, oauth, groups, channels, invites, members, messages, recordings,
                   history, notifications)
    for ep in module.router.endpoints
]

_HTTP_CODES = {404: "not_found", 405: "method_not_allowed"}


async def _peershare_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PeerShareError)
    return error_response(exc)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    return JSONResponse({"error": {"code": code, "message": str(exc.detail)}}, status_code=exc.status_code,
                        headers=exc.headers)


async def _unexpected_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled_error", path=request.url.path)
    return JSONResponse({"error": {"code": "internal_error", "message": "something went wrong on our side"}},
                        status_code=500)


class _PeerShareApp(Starlette):
    def build_middleware_stack(self) -> ASGIApp:
        # Outermost, so the 500 page that Starlette's error middleware sends has the headers too.
        return SecurityHeaders(super().build_middleware_stack())


def build_app(settings: Settings) -> Starlette:
    openapi = build_openapi(ENDPOINTS)
    docs_page = render_docs(openapi)
    proxies = TrustedProxies(settings.forwarded_allow_ips)  # a bad address stops the start here

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with contextlib.AsyncExitStack() as stack:
            dsn = await stack.enter_async_context(database_url(settings.database_url, settings.data_dir))
            db = await Database.connect(dsn, schema=settings.database_schema)
            stack.push_async_callback(db.close)
            await migrate(db)
            redis = Redis.from_url(settings.redis_url) if settings.redis_url else None
            if redis is not None:
                stack.push_async_callback(redis.aclose)
            realtime = Realtime(db, redis, lease_s=settings.presence_lease_s)
            await realtime.start()
            stack.push_async_callback(realtime.close)
            rights = Rights(realtime.hub)
            await rights.start()
            stack.push_async_callback(rights.close)
            rights.reactions.append(realtime.on_rights_changed)
            sfu = SfuService(db, MediaEngine(settings), realtime.hub, host_lease_s=settings.sfu_host_lease_s)
            await sfu.start()
            stack.push_async_callback(sfu.close)
            notifier = Notifier(db, realtime)
            call_service = CallService(db, realtime, settings, sfu, rights, notifier)
            await call_service.start()
            stack.push_async_callback(call_service.close)
            realtime.on_sessions_lost.append(call_service.sessions_lost)
            rights.enforcers.append(call_service.enforce_rights)
            if settings.turn_mode == "managed":
                coturn = Coturn(coturn_config(settings))
                await coturn.start()
                stack.push_async_callback(coturn.stop)
                rights.reactions.append(TurnAccess(coturn, settings.turn_ttl_s).on_rights_changed)
            storage = await open_storage(settings)
            stack.push_async_callback(storage.close)
            archive = Archive(db, storage, settings)
            retention = Retention(archive, settings.recording_retention_interval_s)
            await retention.start()
            stack.push_async_callback(retention.close)
            # Closed before the SFU: captures are filed while their rooms still stand.
            recording = RecordingService(db, realtime, sfu, call_service, archive, settings, notifier)
            await recording.start()
            stack.push_async_callback(recording.close)
            http = await stack.enter_async_context(httpx.AsyncClient(timeout=10.0))
            limiter = RedisRateLimiter(redis) if redis else MemoryRateLimiter()
            app.state.services = Services(
                settings=settings,
                db=db,
                tokens=TokenService(settings.jwt_secret, settings.access_token_ttl_s),
                limiter=limiter,
                downloads=DownloadSlots(limiter, settings),
                proxies=proxies,
                http=http,
                realtime=realtime,
                rights=rights,
                chat=Chat(db, realtime, notifier),
                calls=call_service,
                sfu=sfu,
                archive=archive,
                recording=recording,
                notifier=notifier,
            )
            log.info("peershare_started", host=settings.host, port=settings.port,
                     database="external" if settings.database_url else "embedded",
                     bus="redis" if redis else "in-process", recordings=storage.kind)
            yield

    async def openapi_json(request: Request) -> Response:
        return JSONResponse(openapi)

    async def docs(request: Request) -> Response:
        return HTMLResponse(docs_page, headers={"Content-Security-Policy": DOCS_POLICY})

    routes = [
        *starlette_routes(ENDPOINTS),
        Route("/api/openapi.json", openapi_json, methods=["GET"]),
        Route("/api/docs", docs, methods=["GET"]),
        Route("/metrics", metrics_endpoint, methods=["GET"]),
        WebSocketRoute("/ws", gateway),
        *webclient_routes(settings.webclient_dir),
    ]
    return _PeerShareApp(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={PeerShareError: _peershare_error, HTTPException: _http_error, Exception: _unexpected_error},
    )
