"""The web client in Chromium, end to end: sign up, create a group, invite, chat live, a P2P call
with video both ways, a third person turning it into an SFU call, a screen share, a guest, and
an accessibility check of the main screens (screenshots go to artifacts/screenshots)."""

from __future__ import annotations

import asyncio
import time
from typing import Any, Awaitable, Callable

from playwright.async_api import Browser, expect

from tests.e2e.conftest import ARTIFACTS
from tests.support.browser import Person
from tests.support.server import RunningServer


async def eventually(check: Callable[[], Awaitable[Any]], timeout: float = 30, every: float = 0.25) -> Any:
    """The first truthy result of `check`, polling; fails with the last result at the timeout."""
    deadline = time.monotonic() + timeout
    result = None
    while time.monotonic() < deadline:
        result = await check()
        if result:
            return result
        await asyncio.sleep(every)
    raise AssertionError(f"still not true after {timeout} s; last: {result!r}")


async def receiving_video(person: Person, senders: int) -> bool:
    """`senders` remote camera tiles show frames, and the call decodes more and more."""
    before = await person.frames_decoded()
    tiles = await person.video_frames("video[data-kind=camera]")
    await asyncio.sleep(0.5)
    after = await person.frames_decoded()
    playing = [t for t in tiles if t["width"] > 0 and t["frames"] > 0]
    return len(playing) >= senders and after > before


async def test_people_chat_call_switch_to_the_sfu_and_share_a_screen(browser: Browser, server: RunningServer) -> None:
    # Noise suppression off: RNNoise in three browsers on the test machine's two cores takes the CPU
    # this test measures the screen share with (each person has their own machine in real life);
    # tests/e2e/test_voice.py tests the voice chain.
    alice, bob, carol = [await Person.open(browser, server.url, n, voice={"suppression": False})
                         for n in ("alice", "bob", "carol")]
    await alice.sign_up()
    await alice.screenshot(ARTIFACTS, "01-empty-workspace")
    await alice.create_group("Remote team")
    link = await alice.invite_link()
    for person in (bob, carol):
        await person.sign_up()
        await person.page.goto(link)
        await expect(person.page.get_by_role("heading", name="Join Remote team")).to_be_visible()
        await person.page.get_by_role("button", name="Join the group").click()
        await expect(person.page.get_by_role("heading", name="Remote team")).to_be_visible()

    # Text: live in the other browser.
    await alice.open_channel("Text channel general")
    await bob.open_channel("Text channel general")
    await alice.send("hello @bob, call in a minute?")
    await expect(bob.page.locator(".message .body", has_text="hello @bob")).to_be_visible()
    await alice.screenshot(ARTIFACTS, "02-text-channel")

    # Two people: peer to peer, each receives the other's video.
    await alice.join_call()
    await bob.join_call()
    for person in (alice, bob):
        await expect(person.page.get_by_test_id("call-mode")).to_have_text("P2P", timeout=20_000)
        await eventually(lambda p=person: receiving_video(p, 1))
    [tile] = await bob.video_frames("video[data-kind=camera]")
    assert tile["width"] > 0 and tile["height"] > 0
    await alice.screenshot(ARTIFACTS, "03-p2p-call")

    # A third: everyone switches to the SFU and still receives everyone.
    await carol.join_call()
    for person in (alice, bob, carol):
        await expect(person.page.get_by_test_id("call-mode")).to_have_text("SFU", timeout=20_000)
    for person in (alice, bob, carol):
        await eventually(lambda p=person: receiving_video(p, 2), timeout=45)
    await carol.screenshot(ARTIFACTS, "04-sfu-call")

    # Alice shares her screen: the others receive it at 15 fps or more.
    await alice.page.get_by_role("button", name="Share screen").click()
    await expect(alice.page.get_by_label("Your screen (preview)")).to_be_visible()
    for person in (bob, carol):
        await eventually(lambda p=person: p.video_frames("video[data-kind=screen]"), timeout=30)
        await eventually(lambda p=person: _shows_frames(p, "video[data-kind=screen]"), timeout=30)
        fps = await _fps(person, "video[data-kind=screen]")
        print(f"{person.name} receives the screen share at {fps:.1f} fps")
        assert fps >= 15
    await bob.screenshot(ARTIFACTS, "05-screen-share")
    # Stopping the share leaves the cameras alone.
    await alice.page.get_by_role("button", name="Stop sharing").click()
    await eventually(lambda: _no_screen(bob))
    await eventually(lambda: receiving_video(bob, 2))

    # Bob's connection to the server drops: the client reconnects by itself, resumes the same
    # participant, and chat and video go on.
    await bob.page.evaluate("() => window.peershareGateway.socket.close()")
    await expect(bob.page.get_by_role("status").filter(has_text="Connected")).to_be_visible(timeout=15_000)
    await alice.open_channel("Text channel general")
    await alice.send("still there after the cut?")
    await bob.open_channel("Text channel general")
    await expect(bob.page.locator(".message .body", has_text="after the cut")).to_be_visible()
    await bob.open_channel("Voice channel General")
    await eventually(lambda: receiving_video(bob, 2))


async def _shows_frames(person: Person, selector: str) -> bool:
    return any(v["frames"] > 0 and v["width"] > 0 for v in await person.video_frames(selector))


async def _no_screen(person: Person) -> bool:
    return not await person.video_frames("video[data-kind=screen]")


async def _fps(person: Person, selector: str, seconds: float = 3.0) -> float:
    [before] = await person.video_frames(selector)
    await asyncio.sleep(seconds)
    [after] = await person.video_frames(selector)
    return (after["frames"] - before["frames"]) / seconds


async def test_a_guest_joins_by_link_and_the_main_screens_pass_an_accessibility_check(
        browser: Browser, server: RunningServer) -> None:
    owner = await Person.open(browser, server.url, "owner")
    await owner.page.goto("/")
    assert await owner.axe_violations() == []
    await owner.screenshot(ARTIFACTS, "00-sign-in")
    await owner.sign_up()
    await owner.create_group("Tutoring")
    guest_link = await owner.invite_link("guest")
    await owner.open_channel("Text channel general")
    assert await owner.axe_violations() == []
    await owner.page.get_by_role("button", name="Group settings").click()
    assert await owner.axe_violations() == []
    await owner.screenshot(ARTIFACTS, "06-group-settings")
    await owner.page.get_by_role("button", name="Back").click()

    guest = await Person.open(browser, server.url, "guest")
    await guest.page.goto(guest_link)
    await expect(guest.page.get_by_text("you join as a guest")).to_be_visible()
    assert await guest.axe_violations() == []
    await guest.screenshot(ARTIFACTS, "07-invite-preview")
    await guest.page.get_by_label("Your name").fill("Visiting Student")
    await guest.page.get_by_role("button", name="Join as a guest").click()
    await expect(guest.page.get_by_role("heading", name="Tutoring")).to_be_visible()
    await guest.open_channel("Text channel general")
    await guest.send("hi, I am the guest")
    await expect(owner.page.locator(".message .body", has_text="I am the guest")).to_be_visible()

    await owner.open_channel("Voice channel General")
    assert await owner.axe_violations() == []
    await owner.join_call()
    assert await owner.axe_violations() == []
    await owner.page.keyboard.press("?")
    await expect(owner.page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_visible()
    assert await owner.axe_violations() == []
    await owner.page.keyboard.press("Escape")
    await owner.page.keyboard.press("m")
    await expect(owner.page.get_by_role("button", name="Unmute")).to_be_visible()
    # Phone width: the rail and the call stay usable, the member list gives way.
    await owner.page.set_viewport_size({"width": 390, "height": 844})
    await expect(owner.page.get_by_role("toolbar", name="Call controls")).to_be_visible()
    await expect(owner.page.get_by_role("complementary", name="Members")).to_be_hidden()
    assert await owner.axe_violations() == []
    await owner.screenshot(ARTIFACTS, "09-phone-width-call")


async def test_the_network_check_reports_candidates_and_says_what_to_fix(browser: Browser, server: RunningServer) -> None:
    person = await Person.open(browser, server.url, "netcheck")
    await person.sign_up()
    await person.page.goto("/network")
    await person.page.get_by_role("button", name="Run the check").click()
    report = person.page.locator("dl.report")
    await expect(report).to_be_visible(timeout=20_000)
    # This test node offers no STUN or TURN: the check finds host candidates and says so plainly.
    await expect(report).to_contain_text("host")
    await expect(person.page.locator("ul.advice")).to_contain_text("offers no TURN relay")
    assert await person.axe_violations() == []
    await person.screenshot(ARTIFACTS, "08-network-check")
