"""Security headers on every kind of HTTP response of a real node: API answers and errors, the
app shell, its assets, the docs page and the metrics page."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import httpx
import pytest

from tests.support.api import Api, register_user
from tests.support.server import RunningServer


@pytest.fixture
def node(tmp_path: Path, server_factory: Callable[..., RunningServer]) -> RunningServer:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text("<!doctype html><title>PeerShare</title>")
    (tmp_path / "assets" / "app.js").write_text("console.log(1)")
    (tmp_path / "sw.js").write_text("self.addEventListener('fetch', () => {});")
    (tmp_path / "manifest.webmanifest").write_text('{"name": "PeerShare"}')
    return server_factory(webclient_dir=tmp_path)


def directives(policy: str) -> dict[str, str]:
    return {d.strip().split(" ", 1)[0]: d.strip().partition(" ")[2] for d in policy.split(";") if d.strip()}


def assert_common_headers(response: httpx.Response) -> None:
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "no-referrer"
    permissions = response.headers["permissions-policy"]
    for feature in ("camera", "microphone", "display-capture"):
        assert f"{feature}=(self)" in permissions
    policy = directives(response.headers["content-security-policy"])
    assert policy["frame-ancestors"] == "'none'" and policy["base-uri"] == "'none'"


def test_every_kind_of_response_carries_the_headers(node: RunningServer) -> None:
    user = register_user(Api(node.url))
    responses = [
        httpx.get(f"{node.url}/"),  # the app shell
        httpx.get(f"{node.url}/invite/abc"),  # a deep link: the shell again
        httpx.get(f"{node.url}/assets/app.js"),
        httpx.get(f"{node.url}/assets/missing.js"),  # 404 from the static files
        httpx.get(f"{node.url}/sw.js"),  # the service worker
        httpx.get(f"{node.url}/manifest.webmanifest"),
        httpx.get(f"{node.url}/api/health"),
        user.api.get("/api/me"),
        httpx.get(f"{node.url}/api/me"),  # 401
        httpx.post(f"{node.url}/api/auth/login", content=b"{"),  # 400
        httpx.delete(f"{node.url}/api/health"),  # 405
        httpx.get(f"{node.url}/api/openapi.json"),
        httpx.get(f"{node.url}/api/docs"),
        httpx.get(f"{node.url}/metrics"),
    ]
    assert [r.status_code for r in responses] == [200, 200, 200, 404, 200, 200, 200, 200, 401, 400, 405, 200, 200, 200]
    for response in responses:
        assert_common_headers(response)


def test_the_app_policy_allows_only_this_origin_and_its_socket(node: RunningServer) -> None:
    policy = directives(httpx.get(f"{node.url}/").headers["content-security-policy"])
    host = node.url.removeprefix("http://")
    assert policy["default-src"] == "'self'" and policy["style-src"] == "'self'"
    assert policy["script-src"] == "'self' 'wasm-unsafe-eval'"
    assert policy["connect-src"] == f"'self' ws://{host} wss://{host}"
    assert policy["img-src"] == "'self' data: blob:" and policy["media-src"] == "'self' blob:"
    assert policy["object-src"] == "'none'" and policy["form-action"] == "'self'"
    # The service worker and the manifest: this origin only.
    assert policy["worker-src"] == "'self'" and policy["manifest-src"] == "'self'"


def test_a_host_header_that_is_not_a_host_is_not_written_into_the_policy(node: RunningServer) -> None:
    response = httpx.get(f"{node.url}/", headers={"Host": "evil.example; script-src *"})
    assert directives(response.headers["content-security-policy"])["connect-src"] == "'self'"


def test_the_docs_page_has_a_policy_of_its_own_that_allows_its_inline_style_only(node: RunningServer) -> None:
    response = httpx.get(f"{node.url}/api/docs")
    policy = directives(response.headers["content-security-policy"])
    assert policy["default-src"] == "'none'" and policy["style-src"].startswith("'sha256-")
    assert "script-src" not in policy and "<script" not in response.text
