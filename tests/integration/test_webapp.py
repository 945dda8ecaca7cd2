"""The served web client, over real HTTP: its files and app shell, the installable app's manifest,
icons and service worker with their types and caching, and never a source map, even one a build
left in the folder."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import httpx
import pytest

from tests.support.server import RunningServer

PNG = b"\x89PNG\r\n\x1a\n"
SHELL = "<!doctype html><html><head><script type=module src=/assets/app.js></script></head></html>"


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    """A build as Vite would have left it with source maps on."""
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text(SHELL)
    (tmp_path / "assets" / "app.js").write_text("console.log(1)\n//# sourceMappingURL=app.js.map\n")
    (tmp_path / "assets" / "app.js.map").write_text('{"version":3,"sources":["src/secret.ts"]}')
    (tmp_path / "assets" / "app.css.MAP").write_text("{}")
    (tmp_path / "icons").mkdir()
    (tmp_path / "icons" / "icon-192.png").write_bytes(PNG)
    (tmp_path / "manifest.webmanifest").write_text('{"name": "PeerShare"}')
    (tmp_path / "sw.js").write_text("self.addEventListener('fetch', () => {});")
    return tmp_path


def test_assets_and_the_app_shell_are_served(dist: Path, server_factory: Callable[..., RunningServer]) -> None:
    node = server_factory(webclient_dir=dist)
    assert httpx.get(f"{node.url}/assets/app.js").text.startswith("console.log")
    page = httpx.get(f"{node.url}/invite/abc")
    assert page.status_code == 200 and page.text == SHELL


def test_the_manifest_and_the_service_worker_are_served_with_their_types_and_never_cached_unchecked(
        dist: Path, server_factory: Callable[..., RunningServer]) -> None:
    node = server_factory(webclient_dir=dist)
    manifest = httpx.get(f"{node.url}/manifest.webmanifest")
    worker = httpx.get(f"{node.url}/sw.js")
    icon = httpx.get(f"{node.url}/icons/icon-192.png")
    assert manifest.status_code == 200 and manifest.json() == {"name": "PeerShare"}
    assert manifest.headers["content-type"] == "application/manifest+json"
    assert worker.status_code == 200 and worker.text.startswith("self.addEventListener")
    assert worker.headers["content-type"].startswith("text/javascript")
    for response in (manifest, worker):
        assert response.headers["cache-control"] == "no-cache"
    # Served from the root, the worker's scope is the whole app: no widening header.
    assert "service-worker-allowed" not in worker.headers
    assert icon.status_code == 200 and icon.headers["content-type"] == "image/png" and icon.content == PNG


def test_a_build_without_a_worker_answers_404_not_the_app_shell(
        dist: Path, server_factory: Callable[..., RunningServer]) -> None:
    (dist / "sw.js").unlink()
    node = server_factory(webclient_dir=dist)
    response = httpx.get(f"{node.url}/sw.js")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    assert httpx.get(f"{node.url}/icons/missing.png").status_code == 404


@pytest.mark.parametrize("path", ["/assets/app.js.map", "/assets/app.css.MAP", "/app.js.map", "/assets/../assets/app.js.map"])
def test_source_maps_are_never_served(dist: Path, server_factory: Callable[..., RunningServer], path: str) -> None:
    node = server_factory(webclient_dir=dist)
    response = httpx.get(f"{node.url}{path}")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    assert "secret.ts" not in response.text

