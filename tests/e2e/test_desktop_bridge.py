"""The web client's side of the desktop app, in Chromium: the Electron preload is replaced by a
fake `window.peershareDesktop` (an init script) that behaves as the main process does: the page's
getDisplayMedia asks the page to show its picker (onCaptureRequest), and the chosen source is
captured (here by Chromium's fake screen) or the call is refused on cancel. Without the bridge
the browser's own path is used. Electron itself cannot run on these machines."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from playwright.async_api import Browser, Page, expect

from tests.support.browser import Person
from tests.support.server import RunningServer

# A stand-in for preload.cts + main.ts: same interface (webclient/src/desktop/bridge.ts), and
# every call recorded in window.__desktop.calls for the test to read.
FAKE_BRIDGE = """
(() => {
  const calls = [];
  const listeners = { capture: new Set(), ptt: new Set(), link: new Set(), resume: new Set() };
  const subscribe = (set) => (listener) => { set.add(listener); return () => set.delete(listener); };
  const thumb = (color) => "data:image/svg+xml," + encodeURIComponent(
    `<svg xmlns='http://www.w3.org/2000/svg' width='320' height='180'><rect width='320' height='180' fill='${color}'/></svg>`);
  const sources = [
    { id: "screen:0:0", name: "Entire screen", kind: "screen", thumbnailDataUrl: thumb("#336"), appIconDataUrl: null },
    { id: "screen:1:0", name: "Screen 2", kind: "screen", thumbnailDataUrl: thumb("#363"), appIconDataUrl: null },
    { id: "window:11:0", name: "Text editor", kind: "window", thumbnailDataUrl: thumb("#633"), appIconDataUrl: thumb("#fff") },
    { id: "window:12:0", name: "Terminal", kind: "window", thumbnailDataUrl: thumb("#666"), appIconDataUrl: null },
  ];
  // Electron's setDisplayMediaRequestHandler: getDisplayMedia waits for the page's choice.
  const browserCapture = navigator.mediaDevices.getDisplayMedia.bind(navigator.mediaDevices);
  let pending = null;
  navigator.mediaDevices.getDisplayMedia = (constraints) => new Promise((resolve, reject) => {
    calls.push(["getDisplayMedia"]);
    pending = { resolve, reject, constraints };
    listeners.capture.forEach((l) => l());
  });
  window.peershareDesktop = {
    version: 1,
    platform: "linux",
    listCaptureSources: async () => { calls.push(["listCaptureSources"]); return sources; },
    chooseCaptureSource: async (id, withAudio) => {
      calls.push(["chooseCaptureSource", id, withAudio]);
      const p = pending;
      pending = null;
      if (!p) throw new Error("no screen share is waiting for a choice");
      if (id === null) p.reject(new DOMException("Permission denied", "NotAllowedError"));
      else browserCapture(p.constraints).then(p.resolve, p.reject);
    },
    onCaptureRequest: subscribe(listeners.capture),
    onPushToTalk: subscribe(listeners.ptt),
    setPushToTalkKey: async (accelerator) => { calls.push(["setPushToTalkKey", accelerator]); return true; },
    setMuteState: (state) => calls.push(["setMuteState", state]),
    setUnreadCount: (count) => calls.push(["setUnreadCount", count]),
    notify: (n) => calls.push(["notify", n]),
    onDeepLink: subscribe(listeners.link),
    onResume: subscribe(listeners.resume),
  };
  window.__desktop = {
    calls,
    pushToTalk: (pressed) => listeners.ptt.forEach((l) => l(pressed)),
    deepLink: (path) => listeners.link.forEach((l) => l(path)),
    resume: () => listeners.resume.forEach((l) => l()),
  };
})();
"""


async def desktop_person(browser: Browser, server: RunningServer, name: str) -> Person:
    person = await Person.open(browser, server.url, name)
    await person.page.context.add_init_script(FAKE_BRIDGE)
    return person


async def calls(person: Person, name: str) -> list[list[Any]]:
    result: list[list[Any]] = await person.page.evaluate(
        "(name) => window.__desktop.calls.filter((c) => c[0] === name)", name)
    return result


async def until(page: Page, expression: str, timeout: float = 15) -> None:
    """Polls `expression` in the page (evaluated through DevTools: the page's CSP forbids eval,
    which page.wait_for_function needs)."""
    deadline = time.monotonic() + timeout
    while not await page.evaluate(expression):
        assert time.monotonic() < deadline, f"still false after {timeout} s: {expression}"
        await asyncio.sleep(0.1)


async def test_the_desktop_picker_shares_the_chosen_source_and_cancels(browser: Browser, server: RunningServer) -> None:
    dana = await desktop_person(browser, server, "dana")
    page = dana.page
    errors: list[Exception] = []
    page.on("pageerror", lambda error: errors.append(error))
    await dana.sign_up()
    await dana.create_group("Desk")
    await dana.join_call()
    indicator = page.get_by_test_id("desktop-indicator")
    await expect(indicator).to_have_text("Desktop app")
    assert (await calls(dana, "setMuteState"))[-1] == ["setMuteState", {"muted": False, "inCall": True}]

    # Share screen: the app's picker, not the browser's, with the sources the bridge listed.
    await page.get_by_role("button", name="Share screen").click()
    picker = page.get_by_role("dialog", name="Share your screen")
    await expect(picker).to_be_visible()
    options = picker.get_by_role("option")
    await expect(options).to_have_count(2)
    await expect(options).to_have_text(["Entire screen", "Screen 2"])
    thumbnails = await picker.locator(".picker-source img").evaluate_all(
        "(imgs) => imgs.map((i) => i.complete && i.naturalWidth)")
    assert thumbnails == [320, 320], thumbnails
    await expect(picker.get_by_label("Share system audio")).to_be_disabled()  # Linux: no loopback
    await expect(picker.get_by_role("option", name="Entire screen")).to_be_focused()
    assert await dana.axe_violations() == []

    # Cancel: the share is refused, nothing is sent, the picker closes.
    await picker.get_by_role("button", name="Cancel").click()
    await expect(picker).to_be_hidden()
    assert await calls(dana, "chooseCaptureSource") == [["chooseCaptureSource", None, False]]
    await expect(page.get_by_label("Your screen (preview)")).to_have_count(0)
    await expect(page.get_by_role("button", name="Share screen")).to_be_visible()

    # Again, by keyboard only: back to the Windows tab, into the grid, Arrow right, Enter.
    await page.get_by_role("button", name="Share screen").click()
    await expect(picker.get_by_role("option", name="Entire screen")).to_be_focused()
    await page.keyboard.press("ArrowRight")
    await expect(picker.get_by_role("option", name="Screen 2")).to_be_focused()
    await page.keyboard.press("Shift+Tab")
    await expect(picker.get_by_role("tab", name="Windows")).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(options).to_have_text(["Text editor", "Terminal"])
    await page.keyboard.press("Tab")
    await expect(picker.get_by_role("option", name="Text editor")).to_be_focused()
    await expect(picker.get_by_role("option", name="Text editor")).to_have_attribute("aria-selected", "true")
    await page.keyboard.press("ArrowRight")
    await expect(picker.get_by_role("option", name="Terminal")).to_have_attribute("aria-selected", "true")
    await expect(picker.get_by_role("option", name="Terminal")).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(picker).to_be_hidden()
    assert (await calls(dana, "chooseCaptureSource"))[-1] == ["chooseCaptureSource", "window:12:0", False]
    await expect(page.get_by_label("Your screen (preview)")).to_be_visible()
    await expect(page.get_by_role("button", name="Stop sharing")).to_be_visible()
    assert len(await calls(dana, "listCaptureSources")) == 2

    # Push-to-talk from the global shortcut shows in the call; muting reaches the tray.
    await page.evaluate("window.__desktop.pushToTalk(true)")
    await expect(indicator).to_have_text("Push-to-talk: talking")
    await page.evaluate("window.__desktop.pushToTalk(false)")
    await expect(indicator).to_have_text("Desktop app")
    await page.get_by_role("button", name="Mute", exact=True).click()
    await expect(page.get_by_role("button", name="Unmute", exact=True)).to_be_visible()
    assert (await calls(dana, "setMuteState"))[-1] == ["setMuteState", {"muted": True, "inCall": True}]
    await page.get_by_role("button", name="Leave").click()
    await expect(page.get_by_role("button", name="Join with camera")).to_be_visible()
    assert (await calls(dana, "setMuteState"))[-1] == ["setMuteState", {"muted": False, "inCall": False}]
    assert errors == []


async def test_without_the_bridge_the_browser_picker_is_used(browser: Browser, server: RunningServer) -> None:
    erin = await Person.open(browser, server.url, "erin")
    page = erin.page
    await erin.sign_up()
    await erin.create_group("Browser")
    await erin.join_call()
    await expect(page.get_by_role("toolbar", name="Call controls")).to_be_visible()
    assert await page.evaluate("window.peershareDesktop === undefined")
    await expect(page.get_by_test_id("desktop-indicator")).to_have_count(0)
    await page.get_by_role("button", name="Share screen").click()
    # Chromium's own picker (auto-selected here by --auto-select-desktop-capture-source).
    await expect(page.get_by_label("Your screen (preview)")).to_be_visible()
    await expect(page.get_by_role("dialog", name="Share your screen")).to_have_count(0)


async def test_deep_links_and_resume_reach_the_page(browser: Browser, server: RunningServer) -> None:
    fred = await desktop_person(browser, server, "fred")
    page = fred.page
    await fred.sign_up()
    await fred.create_group("Linked")
    link = await fred.invite_link()
    code = link.rsplit("/", 1)[1]
    # peershare://invite/<code> → the main process sends "/invite/<code>": the invite page opens
    # in place (no reload: the fake bridge would be gone after one, and the call with it).
    await page.evaluate("window.__marker = 1")
    await page.evaluate("(path) => window.__desktop.deepLink(path)", f"/invite/{code}")
    await expect(page.get_by_role("heading", name="Join Linked")).to_be_visible()
    assert page.url.endswith(f"/invite/{code}")
    assert await page.evaluate("window.__marker") == 1

    # Resume from sleep: the gateway drops its socket and connects again.
    await page.goto("/")
    await expect(page.get_by_role("navigation", name="Groups")).to_be_visible()
    sockets_before = await page.evaluate("window.peershareGateway.socket && window.peershareGateway.socket.readyState")
    assert sockets_before == 1
    await page.evaluate("window.__oldSocket = window.peershareGateway.socket; window.__desktop.resume()")
    await until(page, "window.__oldSocket.readyState === WebSocket.CLOSED")
    await until(page, "window.peershareGateway.socket !== window.__oldSocket"
                " && window.peershareGateway.socket?.readyState === WebSocket.OPEN")
    # The badge follows unread messages (none here) and was told so.
    assert (await calls(fred, "setUnreadCount"))[-1] == ["setUnreadCount", 0]
