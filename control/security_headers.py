"""Security headers on every HTTP response (API, app shell, assets, docs), as a pure ASGI
middleware: BaseHTTPMiddleware would buffer streamed bodies and does not see WebSockets right.

The app's Content-Security-Policy allows only this origin: its scripts and styles are files
under /assets (Vite emits no inline code; WebAssembly may be compiled, no JavaScript eval), it
talks to /api and to /ws over ws: or wss: on the same host, and shows camera, screen and pasted
images as blob:/data: URLs; its service worker (/sw.js) and manifest come from this origin too. A
response that sets its own policy (the API docs page) keeps it."""

from __future__ import annotations

import re

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_APP_POLICY = (
    "default-src 'self'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob:",
    "style-src 'self'",
    # RNNoise (noise suppression) runs as WebAssembly compiled from our own /assets; this
    # allows compiling wasm only, not eval() of JavaScript.
    "script-src 'self' 'wasm-unsafe-eval'",
    "worker-src 'self'",
    "manifest-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
)

_COMMON = (
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "no-referrer"),
    # Calls need the camera, the microphone and screen capture, and only on this site.
    ("Permissions-Policy", "camera=(self), microphone=(self), display-capture=(self), geolocation=(), payment=(), usb=()"),
)

# What a Host header may be for it to be written into the policy (a name or address, a port).
_HOST = re.compile(r"^[A-Za-z0-9.\-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$")


def app_policy(host: str | None) -> str:
    """The policy for a page reached at `host`. Older browsers do not count ws:/wss: as 'self',
    so the socket's origin is named; a host we cannot vouch for gets 'self' alone."""
    sockets = f" ws://{host} wss://{host}" if host and _HOST.match(host) else ""
    return "; ".join((*_APP_POLICY, f"connect-src 'self'{sockets}"))


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        host = Headers(scope=scope).get("host")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in (*_COMMON, ("Content-Security-Policy", app_policy(host))):
                    if name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)
