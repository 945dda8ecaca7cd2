"""The installable web app in Chromium: a valid manifest with fetchable icons (Chromium itself
reports no installability error), a service worker that controls the page, an app shell that
opens offline and says so, API and socket traffic that never comes from the worker's cache, and
an update that waits for the user's "Reload"."""

from __future__ import annotations

import shutil
import struct
from pathlib import Path
from typing import Any, Callable

from playwright.async_api import Browser, Page, Response, async_playwright, expect

from tests.e2e.conftest import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, ROOT
from tests.e2e.test_webclient import eventually
from tests.support.browser import Person
from tests.support.server import RunningServer

CONTROLLED = """() => navigator.serviceWorker.ready.then(() => navigator.serviceWorker.controller
  ? true : new Promise((resolve) => navigator.serviceWorker.addEventListener("controllerchange", () => resolve(true))))"""
CACHED_URLS = """async () => {
  const urls = [];
  for (const name of await caches.keys()) {
    for (const request of await (await caches.open(name)).keys()) urls.push(new URL(request.url).pathname);
  }
  return urls.sort();
}"""
# Checks for an update and tells how the new worker's install ended.
NEXT_WORKER_OUTCOME = """() => navigator.serviceWorker.getRegistration().then((r) => new Promise((resolve) => {
  r.addEventListener("updatefound", () => {
    const worker = r.installing;
    worker.addEventListener("statechange", () => {
      if (worker.state === "installed" || worker.state === "redundant") resolve(worker.state);
    });
  });
  r.update();
}))"""
FETCH = """(url) => fetch(url).then((r) => `HTTP ${r.status}`, (e) => `failed: ${e.name}`)"""


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def built_files(dist: Path) -> list[str]:
    """What the worker should precache: the build less itself, stamps and source maps."""
    return sorted("/" + p.relative_to(dist).as_posix() for p in dist.rglob("*")
                  if p.is_file() and p.name != "sw.js" and not p.name.startswith("."))


async def controlled(page: Page) -> None:
    assert await page.evaluate(CONTROLLED) is True


async def test_the_manifest_is_valid_and_chromium_finds_the_app_installable(server: RunningServer, tmp_path: Path) -> None:
    # A profile on disk: Chromium offers no install in an incognito-like context.
    async with async_playwright() as playwright:
        context = await playwright.chromium.launch_persistent_context(
            tmp_path / "profile", executable_path=CHROMIUM, args=CHROMIUM_ARGS, base_url=server.url)
        try:
            await check_manifest_and_installability(context.pages[0] if context.pages else await context.new_page())
        finally:
            await context.close()


async def check_manifest_and_installability(page: Page) -> None:
    await page.goto("/")
    manifest_response = await page.request.get("/manifest.webmanifest")
    assert manifest_response.headers["content-type"] == "application/manifest+json"
    manifest = await manifest_response.json()
    assert manifest["name"] == "PeerShare" and manifest["short_name"] and manifest["id"] == "/"
    assert manifest["start_url"] == "/" and manifest["scope"] == "/" and manifest["display"] == "standalone"
    assert manifest["theme_color"].startswith("#") and manifest["background_color"].startswith("#")
    sizes: set[tuple[str, str]] = set()
    for icon in manifest["icons"]:
        fetched = await page.request.get(icon["src"])
        assert fetched.ok and fetched.headers["content-type"] == icon["type"] == "image/png"
        width, height = png_size(await fetched.body())
        assert icon["sizes"] == f"{width}x{height}"
        sizes.add((icon["sizes"], icon["purpose"]))
    assert sizes == {(s, p) for s in ("192x192", "512x512") for p in ("any", "maskable")}

    await controlled(page)
    cdp = await page.context.new_cdp_session(page)
    parsed = await cdp.send("Page.getAppManifest")
    assert parsed["errors"] == [] and parsed["url"].endswith("/manifest.webmanifest")
    installability = await cdp.send("Page.getInstallabilityErrors")
    assert installability["installabilityErrors"] == []


async def test_the_shell_opens_offline_says_so_and_reconnects_when_the_network_is_back(
        browser: Browser, server: RunningServer) -> None:
    person = await Person.open(browser, server.url, "olu")
    page = person.page
    await person.sign_up()
    await controlled(page)
    offline_banner = page.get_by_role("status").filter(has_text="You are offline")
    await expect(offline_banner).to_be_hidden()

    await page.context.set_offline(True)
    await expect(offline_banner).to_be_visible()
    await page.reload()
    # The shell came from the worker: the signed-in app renders, says offline, and tries no socket.
    await expect(page.get_by_role("navigation", name="Groups")).to_be_visible()
    await expect(offline_banner).to_be_visible()
    assert await page.evaluate("() => window.peershareGateway.status") == "offline"
    assert await person.axe_violations() == []
    await person.screenshot(ARTIFACTS, "10-offline")

    await page.context.set_offline(False)
    await expect(offline_banner).to_be_hidden()
    await eventually(lambda: page.evaluate("() => window.peershareGateway.status === 'connected'"), timeout=15)
    await page.context.close()


async def test_api_and_socket_traffic_never_come_from_the_worker_or_its_cache(
        browser: Browser, server: RunningServer) -> None:
    person = await Person.open(browser, server.url, "pia")
    page = person.page
    await person.sign_up()
    await controlled(page)
    responses: list[Response] = []
    page.on("response", lambda response: responses.append(response))
    sockets: list[str] = []
    page.on("websocket", lambda ws: sockets.append(ws.url))
    await page.reload()
    await eventually(lambda: page.evaluate("() => window.peershareGateway.status === 'connected'"), timeout=15)
    assert await page.evaluate(FETCH, "/api/health") == "HTTP 200"

    def paths(served_by_worker: bool, prefix: str) -> list[str]:
        return [r.url for r in responses if r.from_service_worker is served_by_worker and f"{server.url}{prefix}" in r.url]

    # The shell's files did come from the worker (so the check below can fail) ...
    assert paths(True, "/assets/") and paths(True, "/") and not paths(False, "/assets/")
    # ... and the API never did; the socket opened to the server.
    assert paths(False, "/api/") and paths(True, "/api/") == []
    assert sockets and all(url.endswith("/ws") for url in sockets)

    # The cache holds this build's files and nothing else: no API answer, no socket, no metrics.
    cached = await page.evaluate(CACHED_URLS)
    assert cached == built_files(ROOT / "webclient" / "dist")
    assert not [url for url in cached if url.startswith(("/api", "/ws", "/metrics", "/sw.js"))]

    # Offline, a cached file still comes back, but the API and metrics fail rather than come from a cache.
    await page.context.set_offline(True)
    assert await page.evaluate(FETCH, "/manifest.webmanifest") == "HTTP 200"
    for url in ("/api/health", "/api/me", "/metrics"):
        assert await page.evaluate(FETCH, url) == "failed: TypeError"
    await page.context.set_offline(False)

    # A page the server answers itself is not replaced by the app shell.
    metrics = await page.goto("/metrics")
    assert metrics is not None and not metrics.from_service_worker and "<div id=\"root\">" not in await metrics.text()
    await page.context.close()


async def test_a_new_version_is_offered_and_loaded_only_when_the_user_clicks_reload(
        browser: Browser, server_factory: Callable[..., RunningServer], tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    shutil.copytree(ROOT / "webclient" / "dist", dist)
    node = server_factory(webclient_dir=dist)
    person = await Person.open(browser, node.url, "quinn")
    page = person.page
    await page.goto("/")
    await controlled(page)
    first_worker = await page.evaluate("() => navigator.serviceWorker.controller.scriptURL")
    await page.evaluate("() => { window.loadedBefore = true; }")
    prompt = page.get_by_role("status").filter(has_text="A new version is available")
    await expect(prompt).to_be_hidden()

    # A new release: the worker's bytes change.
    (dist / "sw.js").write_text((dist / "sw.js").read_text() + "\n// release 2\n")
    assert await page.evaluate(NEXT_WORKER_OUTCOME) == "installed"
    await expect(prompt).to_be_visible()
    waiting: Any = await page.evaluate("() => navigator.serviceWorker.getRegistration().then((r) => r.waiting?.state)")
    assert waiting == "installed"
    assert await page.evaluate("() => window.loadedBefore") is True  # no reload by itself
    assert await person.axe_violations() == []
    await person.screenshot(ARTIFACTS, "11-update-available")

    async with page.expect_event("load"):
        await prompt.get_by_role("button", name="Reload").click()
    assert await page.evaluate("() => window.loadedBefore") is None
    await expect(prompt).to_be_hidden()
    state = await page.evaluate("""() => navigator.serviceWorker.getRegistration().then(async (r) => ({
        waiting: r.waiting, active: r.active.state, worker: await fetch('/sw.js').then((x) => x.text()) }))""")
    assert state["waiting"] is None and state["active"] == "activated" and state["worker"].endswith("// release 2\n")
    assert await page.evaluate("() => navigator.serviceWorker.controller.scriptURL") == first_worker
    await page.context.close()


async def test_a_release_whose_files_do_not_match_its_worker_is_not_installed(
        browser: Browser, server_factory: Callable[..., RunningServer], tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    shutil.copytree(ROOT / "webclient" / "dist", dist)
    node = server_factory(webclient_dir=dist)
    person = await Person.open(browser, node.url, "rae")
    page = person.page
    await page.goto("/")
    await controlled(page)
    cached_before = await page.evaluate(CACHED_URLS)

    # A deploy caught half-way: a new worker, but an index.html that is not the one it lists.
    (dist / "sw.js").write_text((dist / "sw.js").read_text() + "\n// release 2\n")
    (dist / "index.html").write_text((dist / "index.html").read_text() + "<!-- release 3 -->\n")
    assert await page.evaluate(NEXT_WORKER_OUTCOME) == "redundant"
    await expect(page.get_by_role("status").filter(has_text="A new version is available")).to_be_hidden()
    # The cache in use kept every file (the failed worker's list is the same, so is its cache).
    assert await page.evaluate(CACHED_URLS) == cached_before
    # The worker in charge still serves its own shell.
    await page.reload()
    assert "release 3" not in await page.content()
    await page.context.close()
