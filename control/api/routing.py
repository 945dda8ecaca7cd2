"""Declared endpoints: each route names its body, query and response types once; from that the
wrapper validates input at the edge and the OpenAPI document is built."""

from __future__ import annotations

import functools
import json
import re
import uuid
from dataclasses import dataclass
from typing import Any, Awaitable, Callable

import pydantic
from pydantic import BaseModel, TypeAdapter
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Match, Route
from starlette.types import Receive, Scope, Send

from control.auth.sessions import ensure_live
from control.auth.tokens import Principal
from control.errors import (
    InvalidJson,
    NotFound,
    PayloadTooLarge,
    PeerShareError,
    Unauthenticated,
    ValidationFailed,
)
from control.inbound import check_payload, loads_json
from control.services import Services


class Context:
    """What a handler gets: the request, the app's services and the authenticated caller."""

    def __init__(self, request: Request, services: Services, principal: Principal | None) -> None:
        self.request = request
        self.services = services
        self._principal = principal

    @property
    def principal(self) -> Principal:
        if self._principal is None:  # only reachable on routes declared auth=False
            raise Unauthenticated("sign in first")
        return self._principal

    @property
    def maybe_principal(self) -> Principal | None:
        return self._principal

    def path_id(self, name: str) -> uuid.UUID:
        """A path id that is not even a UUID names nothing: 404 like any unknown id."""
        try:
            return uuid.UUID(self.request.path_params[name])
        except ValueError:
            raise NotFound(f"no such {name.removesuffix('_id')}") from None

    def path(self, name: str) -> str:
        return str(self.request.path_params[name])

    @property
    def client_ip(self) -> str:
        return self.services.proxies.client_ip(self.request)


Handler = Callable[..., Awaitable[Any]]


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    handler: Handler
    summary: str
    body: type[BaseModel] | None
    body_optional: bool
    query: type[BaseModel] | None
    response: Any
    status: int
    auth: bool
    tag: str
    # What the handler itself may raise; what the edge refuses (401, 400/413/422, 404 for path
    # ids) the OpenAPI document derives from the route's shape.
    errors: tuple[type[PeerShareError], ...]
    # A route answering with a file of this media type (whole, a range of it, or a redirect).
    produces: str | None = None


class ApiRouter:
    def __init__(self, tag: str) -> None:
        self.tag = tag
        self.endpoints: list[Endpoint] = []

    def route(
        self,
        method: str,
        path: str,
        *,
        summary: str,
        body: type[BaseModel] | None = None,
        body_optional: bool = False,
        query: type[BaseModel] | None = None,
        response: Any = None,
        status: int = 200,
        auth: bool = True,
        errors: tuple[type[PeerShareError], ...] = (),
        produces: str | None = None,
    ) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self.endpoints.append(Endpoint(method, path, handler, summary, body, body_optional, query, response,
                                           status, auth, self.tag, errors, produces))
            return handler

        return register

    def get(self, path: str, **kw: Any) -> Callable[[Handler], Handler]:
        return self.route("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> Callable[[Handler], Handler]:
        return self.route("POST", path, **kw)

    def put(self, path: str, **kw: Any) -> Callable[[Handler], Handler]:
        return self.route("PUT", path, **kw)

    def patch(self, path: str, **kw: Any) -> Callable[[Handler], Handler]:
        return self.route("PATCH", path, **kw)

    def delete(self, path: str, **kw: Any) -> Callable[[Handler], Handler]:
        return self.route("DELETE", path, **kw)


def _validate(model: type[BaseModel], json_text: str) -> BaseModel:
    """Strict, in JSON mode: text still becomes UUIDs, datetimes and enums, but nothing turns
    `true`, `"1"` or `1.0` into an integer."""
    try:
        return model.model_validate_json(json_text, strict=True)
    except pydantic.ValidationError as exc:
        errors = exc.errors(include_url=False, include_context=False, include_input=False)
        details = [{"loc": list(err["loc"]), "message": err["msg"], "type": err["type"]} for err in errors]
        raise ValidationFailed("the request does not match the expected shape", details=details) from None


async def read_body(request: Request, limit: int) -> str | None:
    """The body as checked JSON text (None when empty), refusing more than `limit` bytes before
    reading them all."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"the body is larger than {limit} bytes")
    raw = bytearray()
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > limit:
            raise PayloadTooLarge(f"the body is larger than {limit} bytes")
    if not raw:
        return None
    loads_json(bytes(raw))  # refuses what no model should see: too deep, NUL, not UTF-8
    return raw.decode("utf-8")


_DIGITS = re.compile(r"-?[0-9]{1,18}")


@functools.cache
def _integer_fields(model: type[BaseModel]) -> frozenset[str]:
    props = model.model_json_schema()["properties"]
    return frozenset(name for name, prop in props.items()
                     if "integer" in [prop.get("type")] + [alt.get("type") for alt in prop.get("anyOf", [])])


def query_json(model: type[BaseModel], request: Request) -> str:
    """Query parameters are text: a number is taken only when written in plain digits, then the
    same strict validation as a body applies (so `?limit=true` or `?limit=1.0` is refused)."""
    params: dict[str, Any] = dict(request.query_params)
    check_payload(params)
    for name in _integer_fields(model) & params.keys():
        if _DIGITS.fullmatch(params[name]):
            params[name] = int(params[name])
    return json.dumps(params)


def error_response(exc: PeerShareError) -> JSONResponse:
    """The one HTTP form of an error: its body, its status, and Retry-After when rate limited."""
    headers = {"Retry-After": str(exc.details["retry_after_s"])} if exc.code == "rate_limited" else None
    return JSONResponse(exc.to_body(), status_code=exc.status, headers=headers)


def serialize(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, list):
        return [serialize(item) for item in value]
    return value


def _endpoint_app(endpoint: Endpoint) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint_app(request: Request) -> Response:
        services: Services = request.app.state.services
        principal = services.tokens.principal_from_header(request.headers.get("authorization"))
        if endpoint.auth and principal is None:
            raise Unauthenticated("a bearer access token is required")
        for name, value in request.path_params.items():
            if "\x00" in value:  # names nothing, and PostgreSQL could not even look it up
                raise NotFound(f"no such {name.removesuffix('_id')}")
        if principal is not None:
            await ensure_live(services.db, principal)
        ctx = Context(request, services, principal)
        kwargs: dict[str, Any] = {}
        if endpoint.body is not None:
            body = await read_body(request, services.settings.max_body_bytes)
            if body is None and not endpoint.body_optional:
                raise InvalidJson("a JSON body is required")
            kwargs["body"] = _validate(endpoint.body, body or "{}")
        if endpoint.query is not None:
            kwargs["query"] = _validate(endpoint.query, query_json(endpoint.query, request))
        result = await endpoint.handler(ctx, **kwargs)
        if isinstance(result, Response):
            return result
        if result is None:
            return Response(status_code=204 if endpoint.status == 200 else endpoint.status)
        return JSONResponse(serialize(result), status_code=endpoint.status)

    return endpoint_app


_METHOD_ORDER = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


class _PathRoute(Route):
    """Every declared method of one path template. A 405 lists what the concrete path answers
    across all templates it matches (`/members/bulk` is also `/members/{user_id}`), not only
    the methods of the template Starlette happened to try first."""

    def __init__(self, path: str, endpoints: dict[str, Endpoint], siblings: list[_PathRoute]) -> None:
        apps = {method: _endpoint_app(ep) for method, ep in endpoints.items()}

        async def dispatch(request: Request) -> Response:
            return await apps["GET" if request.method == "HEAD" else request.method](request)

        super().__init__(path, dispatch, methods=list(endpoints), name=path)
        self._siblings = siblings

    def allowed(self, path: str) -> list[str]:
        methods = {m for route in self._siblings if route.path_regex.fullmatch(path) for m in route.methods or ()}
        return sorted(methods, key=_METHOD_ORDER.index)

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        match, child = super().matches(scope)
        if match is Match.PARTIAL and scope["method"] not in self.allowed(scope["path"]):
            return Match.FULL, child  # answer 405 here, before the web client's catch-all page does
        return match, child

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.methods and scope["method"] not in self.methods:
            raise HTTPException(405, headers={"Allow": ", ".join(self.allowed(scope["path"]))})
        await super().handle(scope, receive, send)


def starlette_routes(endpoints: list[Endpoint]) -> list[Route]:
    by_path: dict[str, dict[str, Endpoint]] = {}
    for ep in endpoints:
        by_path.setdefault(ep.path, {})[ep.method] = ep
    routes: list[_PathRoute] = []
    routes.extend(_PathRoute(path, eps, routes) for path, eps in by_path.items())
    return [*routes]


def response_schema(response: Any, ref_template: str) -> dict[str, Any]:
    return TypeAdapter(response).json_schema(ref_template=ref_template, mode="serialization")
