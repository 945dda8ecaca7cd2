"""`GET /ws`: the one WebSocket every client keeps open. Checks the Origin, negotiates the
encoding, waits for the `hello` with the client's token, then hands over to a Session."""

from __future__ import annotations

import asyncio

import structlog
from starlette.websockets import WebSocket, WebSocketDisconnect

from control.auth.sessions import ensure_live
from control.auth.tokens import Principal
from control.errors import PeerShareError
from control.realtime.frames import dump
from control.services import Services
from control.signaling.codec import Codec, choose_codec
from control.signaling.session import Session, parse_client_frame
from schemas.signaling import CloseCode, ErrorReply, Hello

log = structlog.get_logger(__name__)


async def gateway(ws: WebSocket) -> None:
    services: Services = ws.app.state.services
    if not services.settings.origin_allowed(ws.headers.get("origin")):
        # Closing before accepting refuses the upgrade with HTTP 403.
        await ws.close(code=CloseCode.POLICY)
        return
    codec = choose_codec(list(ws.scope.get("subprotocols", [])))
    await ws.accept(subprotocol=codec.subprotocol)
    principal = await _authenticate(ws, codec, services)
    if principal is not None:
        await Session(ws, services, principal, codec).run()


async def _authenticate(ws: WebSocket, codec: Codec, services: Services) -> Principal | None:
    timeout = services.settings.hello_timeout_s
    try:
        message = await asyncio.wait_for(ws.receive(), timeout=timeout)
    except TimeoutError:
        await ws.close(code=CloseCode.AUTH_TIMEOUT, reason=f"send hello within {timeout:g} s")
        return None
    except WebSocketDisconnect:
        return None
    if message["type"] == "websocket.disconnect":
        return None
    try:
        data = message.get("text")
        frame = parse_client_frame(codec.decode(data if data is not None else message.get("bytes", b"")))
    except PeerShareError as exc:
        await _refuse(ws, codec, exc.code, "the first frame must be a valid hello", CloseCode.PROTOCOL_ERROR)
        return None
    if not isinstance(frame, Hello):
        await _refuse(ws, codec, "hello_expected", "the first frame must be a hello", CloseCode.PROTOCOL_ERROR)
        return None
    try:
        principal = services.tokens.decode(frame.token)
        await ensure_live(services.db, principal)
        return principal
    except PeerShareError as exc:
        await _refuse(ws, codec, exc.code, exc.message, CloseCode.AUTH_FAILED)
        return None


async def _refuse(ws: WebSocket, codec: Codec, code: str, message: str, close_code: int) -> None:
    try:
        frame = codec.encode(dump(ErrorReply(code=code, message=message)))
        await (ws.send_bytes(frame) if isinstance(frame, bytes) else ws.send_text(frame))
        await ws.close(code=close_code, reason=code)
    except (RuntimeError, OSError, WebSocketDisconnect):
        pass
