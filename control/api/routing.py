"""Declared endpoints: each route names its body, query and response types once; from that the
wrapper validates input at the edge and the OpenAPI document is built."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any, Awaitable, Callable

import pydantic
from pydantic import BaseModel, TypeAdapter
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

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
    ) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self.endpoints.append(
                Endpoint(method, path, handler, summary, body, body_optional, query, response, status, auth, self.tag)
            )
            return handler

        return register

    def get(self, path: str, **kw: Any) -> Callable[[Handler], Handler]:
        return self.route("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> Callable[[Handler], Handler]:
        return self.route("POST", path, **kw)

    def patch(self, path: str, **kw: Any) -> Callable[[Handler], Handler]:
        return self.route("PATCH", path, **kw)

    def delete(self, path: str, **kw: Any) -> Callable[[Handler], Handler]:
        return self.route("DELETE", path, **kw)


def _validate(model: type[BaseModel], data: Any) -> BaseModel:
    try:
        return model.model_validate(data)
    except pydantic.ValidationError as exc:
        details = [
            {"loc": list(err["loc"]), "message": err["msg"], "type": err["type"]}
            for err in exc.errors(include_url=False, include_context=False, include_input=False)
        ]
        raise ValidationFailed("the request does not match the expected shape", details=details) from None


async def read_json(request: Request, limit: int) -> Any:
    """The body as JSON, refusing more than `limit` bytes before reading them all."""
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
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise InvalidJson("the body is not valid JSON") from None


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


def to_starlette_route(endpoint: Endpoint) -> Route:
    async def endpoint_app(request: Request) -> Response:
        services: Services = request.app.state.services
        principal = services.tokens.principal_from_header(request.headers.get("authorization"))
        if endpoint.auth and principal is None:
            raise Unauthenticated("a bearer access token is required")
        if principal is not None:
            await ensure_live(services.db, principal)
        ctx = Context(request, services, principal)
        kwargs: dict[str, Any] = {}
        if endpoint.body is not None:
            data = await read_json(request, services.settings.max_body_bytes)
            if data is None:
                if not endpoint.body_optional:
                    raise InvalidJson("a JSON body is required")
                data = {}
            kwargs["body"] = _validate(endpoint.body, data)
        if endpoint.query is not None:
            kwargs["query"] = _validate(endpoint.query, dict(request.query_params))
        result = await endpoint.handler(ctx, **kwargs)
        if isinstance(result, Response):
            return result
        if result is None:
            return Response(status_code=204 if endpoint.status == 200 else endpoint.status)
        return JSONResponse(serialize(result), status_code=endpoint.status)

    return Route(endpoint.path, endpoint_app, methods=[endpoint.method], name=endpoint.handler.__name__)


def response_schema(response: Any, ref_template: str) -> dict[str, Any]:
    return TypeAdapter(response).json_schema(ref_template=ref_template, mode="serialization")
