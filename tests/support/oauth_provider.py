"""A local OAuth 2.0 / OpenID Connect provider for tests (Google's, GitHub's and Discord's servers
cannot be reached here). It runs the real authorization-code flow with PKCE over HTTP and answers
profile requests in each provider's own shape."""

from __future__ import annotations

import base64
import hashlib
import secrets
import socket
import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from control.settings import OAuthProviderSettings


@dataclass
class Grant:
    client_id: str
    redirect_uri: str
    challenge: str
    profile: dict[str, Any]


@dataclass
class ProviderState:
    clients: dict[str, tuple[str, str]] = field(default_factory=dict)  # id → (secret, redirect_uri)
    next_profile: dict[str, Any] = field(default_factory=dict)
    refuse_next: bool = False
    codes: dict[str, Grant] = field(default_factory=dict)
    tokens: dict[str, dict[str, Any]] = field(default_factory=dict)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    authorize_requests: list[dict[str, str]] = field(default_factory=list)


def _s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def _app(state: ProviderState) -> Starlette:
    async def authorize(request: Request) -> Response:
        query = dict(request.query_params)
        state.authorize_requests.append(query)
        client = state.clients.get(query.get("client_id", ""))
        if client is None or query.get("redirect_uri") != client[1]:
            return JSONResponse({"error": "invalid_client"}, status_code=400)
        if query.get("response_type") != "code" or query.get("code_challenge_method") != "S256" \
                or not query.get("code_challenge"):
            return JSONResponse({"error": "invalid_request"}, status_code=400)
        if state.refuse_next:
            state.refuse_next = False
            denied = urlencode({"error": "access_denied", "state": query["state"]})
            return RedirectResponse(f"{client[1]}?{denied}", status_code=302)
        code = secrets.token_urlsafe(16)
        state.codes[code] = Grant(query["client_id"], client[1], query["code_challenge"], dict(state.next_profile))
        return RedirectResponse(f"{client[1]}?{urlencode({'code': code, 'state': query.get('state', '')})}", status_code=302)

    async def token(request: Request) -> Response:
        form = {k: str(v) for k, v in (await request.form()).items()}
        state.token_requests.append(form)
        grant = state.codes.pop(form.get("code", ""), None)  # a code works once
        client = state.clients.get(form.get("client_id", ""))
        if grant is None or client is None or client[0] != form.get("client_secret"):
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        if form.get("grant_type") != "authorization_code" or form.get("redirect_uri") != grant.redirect_uri:
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        if _s256(form.get("code_verifier", "")) != grant.challenge:
            return JSONResponse({"error": "invalid_grant", "error_description": "PKCE verification failed"},
                                status_code=400)
        access = secrets.token_urlsafe(16)
        state.tokens[access] = grant.profile
        return JSONResponse({"access_token": access, "token_type": "Bearer"})

    def profile(request: Request) -> dict[str, Any] | None:
        scheme, _, access = request.headers.get("authorization", "").partition(" ")
        return state.tokens.get(access) if scheme.lower() == "bearer" else None

    async def google_userinfo(request: Request) -> Response:
        p = profile(request)
        if p is None:
            return JSONResponse({"error": "invalid_token"}, status_code=401)
        return JSONResponse({"sub": p["id"], "name": p["name"], "email": p["email"],
                             "email_verified": p["verified"], "picture": p["avatar"]})

    async def github_user(request: Request) -> Response:
        p = profile(request)
        if p is None:
            return JSONResponse({"message": "Bad credentials"}, status_code=401)
        return JSONResponse({"id": int(p["id"]), "login": p["login"], "name": p["name"], "avatar_url": p["avatar"],
                             "email": None})

    async def github_emails(request: Request) -> Response:
        p = profile(request)
        if p is None:
            return JSONResponse({"message": "Bad credentials"}, status_code=401)
        return JSONResponse([{"email": "noreply@users.example", "primary": False, "verified": True},
                             {"email": p["email"], "primary": True, "verified": p["verified"]}])

    async def discord_me(request: Request) -> Response:
        p = profile(request)
        if p is None:
            return JSONResponse({"message": "401: Unauthorized"}, status_code=401)
        return JSONResponse({"id": p["id"], "username": p["login"], "global_name": p["name"], "email": p["email"],
                             "verified": p["verified"], "avatar": "a1b2c3"})

    return Starlette(routes=[
        Route("/authorize", authorize), Route("/token", token, methods=["POST"]),
        Route("/google/userinfo", google_userinfo), Route("/github/user", github_user),
        Route("/github/user/emails", github_emails), Route("/discord/users/@me", discord_me),
    ])


class OAuthProvider:
    """The provider on a free loopback port, in a background thread."""

    def __init__(self) -> None:
        self.state = ProviderState()
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._sock.getsockname()[1]}"
        self._server = uvicorn.Server(uvicorn.Config(_app(self.state), log_level="warning"))
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._sock]}, daemon=True)

    def start(self) -> "OAuthProvider":
        self._thread.start()
        while not self._server.started:
            threading.Event().wait(0.02)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._sock.close()

    def register(self, name: str, redirect_uri: str) -> OAuthProviderSettings:
        """A client for `name`, and the PeerShare settings that point at this provider."""
        client_id, secret = f"{name}-client", secrets.token_urlsafe(12)
        self.state.clients[client_id] = (secret, redirect_uri)
        paths = {"google": ("/google/userinfo", ""), "github": ("/github/user", "/github/user/emails"),
                 "discord": ("/discord/users/@me", "")}[name]
        return OAuthProviderSettings(
            name=name, client_id=client_id, client_secret=secret, authorize_url=f"{self.url}/authorize",
            token_url=f"{self.url}/token", userinfo_url=self.url + paths[0],
            emails_url=self.url + paths[1] if paths[1] else "", scope="openid email profile",
        )

    def sign_in_as(self, *, id: str, login: str, name: str, email: str, verified: bool) -> None:
        self.state.next_profile = {"id": id, "login": login, "name": name, "email": email, "verified": verified,
                                   "avatar": f"https://avatars.example/{id}.png"}
