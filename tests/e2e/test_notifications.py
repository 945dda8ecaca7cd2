"""Notifications in two browsers: a mention raises the bell's count and an entry in the other
person's notification center, which opens the channel; a "call started" notice offers a Join
that joins; the center and the status picker pass an accessibility check."""

from __future__ import annotations

import asyncio
import re

from playwright.async_api import Browser, expect

from tests.e2e.conftest import ARTIFACTS
from tests.support.browser import Person, start_group_with
from tests.support.server import RunningServer


async def test_a_mention_and_a_call_notice_reach_the_other_browser(browser: Browser, server: RunningServer) -> None:
    alice, bob = [await Person.open(browser, server.url, n) for n in ("alice", "bob")]
    await start_group_with(alice, bob, "Notify team")
    # Bob looks elsewhere: the mention is not on his screen.
    await bob.open_channel("Voice channel General")
    bell = bob.page.get_by_test_id("notification-bell")
    await expect(bell).to_have_accessible_name("Notifications")

    await alice.open_channel("Text channel general")
    await alice.send(f"@{bob.username} please review the plan")
    await expect(bell).to_have_accessible_name("Notifications, 1 unread")
    await expect(bell.locator(".badge")).to_have_text("1")
    await bell.click()
    center = bob.page.get_by_role("dialog", name="Notifications")
    entry = center.get_by_role("button", name=re.compile("^(Unread: )?Alice mentioned you in #general$"))
    await expect(entry).to_be_visible()
    await expect(center.get_by_text("please review the plan")).to_be_visible()
    # Never asked on load: the center offers it while the browser has not been asked (headless
    # Chromium answers "denied" without asking, and the center says so).
    permission = await bob.page.evaluate("Notification.permission")
    offer = center.get_by_role("button", name="Enable desktop notifications")
    if permission == "default":
        await expect(offer).to_be_visible()
    else:
        assert permission == "denied", permission
        await expect(offer).to_be_hidden()
        await expect(center.get_by_text("Desktop notifications are blocked")).to_be_visible()
    assert await bob.axe_violations() == []
    await bob.screenshot(ARTIFACTS, "20-notification-center")
    await entry.click()
    await expect(center).to_be_hidden()
    await expect(bob.page.get_by_role("heading", name="# general")).to_be_visible()
    await expect(bob.page.locator(".message .body", has_text="please review the plan")).to_be_visible()
    await expect(bell).to_have_accessible_name("Notifications")

    # "Start a call" in #general: Bob's center offers Join, which puts him in the call.
    await bob.open_channel("Voice channel General")
    await alice.page.get_by_role("button", name="Start a call").click()
    await alice.page.get_by_role("button", name="Join with camera").click()
    await expect(alice.page.get_by_role("toolbar", name="Call controls")).to_be_visible()
    await expect(bell).to_have_accessible_name("Notifications, 1 unread")
    await bell.click()
    await expect(center.get_by_role("button", name=re.compile("^(Unread: )?Alice started a call in #general$"))).to_be_visible()
    await center.get_by_role("button", name="Join the call in General").click()
    await expect(center).to_be_hidden()
    await expect(bob.page.get_by_role("toolbar", name="Call controls")).to_be_visible()
    await expect(alice.page.get_by_role("list", name="In General")).to_contain_text("Bob")
    await expect(bell).to_have_accessible_name("Notifications")

    # Do not disturb, from the status picker in the user area.
    await bob.page.get_by_role("button", name=re.compile("^Status: Online")).click()
    status = bob.page.get_by_role("dialog", name="Your status")
    await status.get_by_label("Do not disturb").check()
    await status.get_by_label("Status text").fill("heads down")
    assert await bob.axe_violations() == []
    await status.get_by_role("button", name="Save status").click()
    await expect(bob.page.get_by_role("button", name="Status: Do not disturb, heads down. Change status")).to_be_visible()


# Bob's tab reports itself hidden, and every desktop notification it raises is noted (then shown
# by the browser's own Notification).
HIDDEN_TAB = """
Object.defineProperty(Document.prototype, "hidden", { get: () => true, configurable: true });
Object.defineProperty(Document.prototype, "visibilityState", { get: () => "hidden", configurable: true });
window.desktopAlerts = [];
const BrowserNotification = window.Notification;
window.Notification = class extends BrowserNotification {
  constructor(title, options) { super(title, options); window.desktopAlerts.push(options.body); }
};
"""


async def test_a_hidden_tab_gets_a_desktop_notification_unless_do_not_disturb(browser: Browser,
                                                                             server: RunningServer) -> None:
    alice = await Person.open(browser, server.url, "alice")
    context = await browser.new_context(base_url=server.url, permissions=["notifications"])
    await context.add_init_script(HIDDEN_TAB)
    bob = Person(await context.new_page(), server.url, "bob")
    await start_group_with(alice, bob, "Desk team")
    assert await bob.page.evaluate("Notification.permission") == "granted"

    await alice.open_channel("Text channel general")
    await alice.send(f"@{bob.username} are you there?")
    bell = bob.page.get_by_test_id("notification-bell")
    await expect(bell).to_have_accessible_name("Notifications, 1 unread")
    await bob.page.wait_for_function("window.desktopAlerts.length > 0")
    assert await bob.page.evaluate("window.desktopAlerts") == ["Alice mentioned you in #general"]

    await bob.page.get_by_role("button", name=re.compile("^Status: Online")).click()
    status = bob.page.get_by_role("dialog", name="Your status")
    await status.get_by_label("Do not disturb").check()
    await status.get_by_role("button", name="Save status").click()
    await expect(status).to_be_hidden()
    await alice.send(f"@{bob.username} still there?")
    await expect(bell).to_have_accessible_name("Notifications, 2 unread")
    # Counted, but silent: no second desktop notification.
    await asyncio.sleep(1)
    assert await bob.page.evaluate("window.desktopAlerts") == ["Alice mentioned you in #general"]
