"""The served web client, over real HTTP: its files and app shell, and never a source map, even
one a build left in the folder."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import httpx
import pytest

from tests.support.server import RunningServer

SHELL = "<!doctype html><html><head><script type=module src=/assets/app.js></script></head></html>"


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    """A build as Vite would have left it with source maps on."""
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text(SHELL)
    (tmp_path / "assets" / "app.js").write_text("console.log(1)\n//# sourceMappingURL=app.js.map\n")
    (tmp_path / "assets" / "app.js.map").write_text('{"version":3,"sources":["src/secret.ts"]}')
    (tmp_path / "assets" / "app.css.MAP").write_text("{}")
    return tmp_path


def test_assets_and_the_app_shell_are_served(dist: Path, server_factory: Callable[..., RunningServer]) -> None:
    node = server_factory(webclient_dir=dist)
    assert httpx.get(f"{node.url}/assets/app.js").text.startswith("console.log")
    page = httpx.get(f"{node.url}/invite/abc")
    assert page.status_code == 200 and page.text == SHELL


@pytest.mark.parametrize("path", ["/assets/app.js.map", "/assets/app.css.MAP", "/app.js.map", "/assets/../assets/app.js.map"])
def test_source_maps_are_never_served(dist: Path, server_factory: Callable[..., RunningServer], path: str) -> None:
    node = server_factory(webclient_dir=dist)
    response = httpx.get(f"{node.url}{path}")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    assert "secret.ts" not in response.text

