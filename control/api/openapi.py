"""The OpenAPI document, built from the declared endpoints, and a readable docs page made from it
(self-contained: no scripts from elsewhere, so it works on an offline server)."""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from typing import Any

from pydantic import BaseModel

from control import __version__
from control.api.routing import Endpoint, response_schema
from schemas.rest import ErrorBody

_REF = "#/components/schemas/{model}"

_DOCS_STYLE = """
:root { color-scheme: light dark; font-family: system-ui, sans-serif; }
body { max-width: 60rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.4; }
section { border-top: 1px solid #8884; padding: .5rem 0; }
h3 { margin: .4rem 0; font-size: 1rem; }
.m { display: inline-block; min-width: 4.5rem; border-radius: 4px; padding: 0 .3rem; color: #fff; text-align: center; }
.get { background: #2a7; } .post { background: #27c; } .patch { background: #c82; } .delete { background: #c33; }
pre { overflow: auto; font-size: .8rem; }
"""
_DOCS_STYLE_HASH = base64.b64encode(hashlib.sha256(_DOCS_STYLE.encode()).digest()).decode()
# The docs page is one file with an inline style sheet: its policy allows that sheet by hash, and
# nothing else (no scripts at all).
DOCS_POLICY = (f"default-src 'none'; style-src 'sha256-{_DOCS_STYLE_HASH}'; base-uri 'none'; form-action 'none';"
               " frame-ancestors 'none'")
_ERRORS = {
    400: "Not JSON, nested too deeply (too_deep), or refused input",
    401: "No or bad credentials (a bad Authorization header is refused even where none is needed)",
    403: "Not allowed for the caller's role",
    404: "No such thing, or one the caller may not see",
    409: "Conflicts with the current state (taken, full)",
    410: "No longer usable (an expired, revoked or used-up invite)",
    413: "Body too large",
    416: "The requested byte range lies outside the file",
    422: "Does not match the expected shape, or holds text that cannot be stored (NUL)",
    429: "Too many attempts: see Retry-After",
    503: "A service this needs is unavailable",
}


def error_statuses(ep: Endpoint) -> list[int]:
    """Every error status the route can answer: what the edge refuses follows from its shape,
    what the handler refuses it declares."""
    statuses = {401} | {error.status for error in ep.errors}
    if ep.body is not None:
        statuses |= {400, 413, 422}
    if ep.query is not None:
        statuses.add(422)
    if "{" in ep.path:
        statuses.add(404)
    return sorted(statuses)


class _Components:
    def __init__(self) -> None:
        self.schemas: dict[str, Any] = {}

    def schema_of(self, type_: Any) -> dict[str, Any]:
        schema = response_schema(type_, _REF)
        self.schemas.update(schema.pop("$defs", {}))
        if isinstance(type_, type) and issubclass(type_, BaseModel):
            self.schemas[type_.__name__] = schema
            return {"$ref": _REF.format(model=type_.__name__)}
        return schema


def build_openapi(endpoints: list[Endpoint]) -> dict[str, Any]:
    components = _Components()
    error = components.schema_of(ErrorBody)
    paths: dict[str, dict[str, Any]] = {}
    for ep in endpoints:
        operation: dict[str, Any] = {"summary": ep.summary, "operationId": ep.handler.__name__, "tags": [ep.tag]}
        parameters = [
            {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
            for name in re.findall(r"{(\w+)}", ep.path)
        ]
        if ep.query is not None:
            query_schema = ep.query.model_json_schema(ref_template=_REF)
            components.schemas.update(query_schema.pop("$defs", {}))
            parameters += [
                {"name": name, "in": "query", "required": name in query_schema.get("required", []), "schema": prop}
                for name, prop in query_schema["properties"].items()
            ]
        if parameters:
            operation["parameters"] = parameters
        if ep.body is not None:
            operation["requestBody"] = {
                "required": not ep.body_optional,
                "content": {"application/json": {"schema": components.schema_of(ep.body)}},
            }
        if ep.response is not None:
            schema = components.schema_of(ep.response)
            ok: dict[str, Any] = {"description": "OK", "content": {"application/json": {"schema": schema}}}
        elif ep.status == 302:
            ok = {"description": "Redirect"}
        else:
            ok = {"description": "No content"}
        status = str(204 if ep.response is None and ep.status == 200 else ep.status)
        successes = {status: ok}
        if ep.produces is not None:
            file = {"content": {ep.produces: {"schema": {"type": "string", "format": "binary"}}}}
            successes = {"200": {"description": "The whole file", **file}}
            if ep.produces.startswith("video/"):  # media answers byte ranges, and with S3 a redirect
                successes |= {"206": {"description": "The requested byte range (Content-Range)", **file},
                              "302": {"description": "Redirect to the file in object storage, briefly valid"}}
        operation["responses"] = successes | {
            str(code): {"description": _ERRORS[code], "content": {"application/json": {"schema": error}}}
            for code in error_statuses(ep)
        }
        if ep.auth:
            operation["security"] = [{"bearer": []}]
        paths.setdefault(ep.path, {})[ep.method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": "PeerShare API", "version": __version__},
        "paths": paths,
        "components": {
            "schemas": components.schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
    }


def render_docs(document: dict[str, Any]) -> str:
    """One page: every operation with its parameters, body and response shapes."""
    sections = []
    for path, operations in document["paths"].items():
        for method, op in operations.items():
            parts = [
                f"<h3 id='{html.escape(op['operationId'])}'><span class='m {method}'>{method.upper()}</span>"
                f" <code>{html.escape(path)}</code></h3><p>{html.escape(op['summary'])}"
                f"{' <em>(bearer token)</em>' if op.get('security') else ''}</p>"
            ]
            for param in op.get("parameters", []):
                parts.append(f"<div>{param['in']} <code>{html.escape(param['name'])}</code>"
                             f"{' (required)' if param['required'] else ''}</div>")
            if "requestBody" in op:
                body = op["requestBody"]["content"]["application/json"]["schema"]
                parts.append(f"<details><summary>Body</summary><pre>{html.escape(json.dumps(body, indent=2))}</pre></details>")
            for status, response in op["responses"].items():
                schema = response.get("content", {}).get("application/json", {}).get("schema")
                shown = f"<pre>{html.escape(json.dumps(schema, indent=2))}</pre>" if schema else ""
                parts.append(f"<details><summary>{status} {html.escape(response['description'])}</summary>{shown}</details>")
            sections.append(f"<section>{''.join(parts)}</section>")
    models = "".join(
        f"<details id='model-{html.escape(name)}'><summary><code>{html.escape(name)}</code></summary>"
        f"<pre>{html.escape(json.dumps(schema, indent=2))}</pre></details>"
        for name, schema in sorted(document["components"]["schemas"].items())
    )
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>PeerShare API</title>
<style>{_DOCS_STYLE}</style></head><body>
<h1>PeerShare API <small>{html.escape(document['info']['version'])}</small></h1>
<p>JSON bodies; errors are <code>{{"error": {{"code": "...", "message": "..."}}}}</code>.
Machine-readable: <a href="/api/openapi.json">/api/openapi.json</a>.</p>
{''.join(sections)}<h2>Models</h2>{models}</body></html>"""
