"""Recording in Chromium: a moderator records a call, the others are asked and the indicator
shows, the recording reaches the archive and plays in the page's player."""

from __future__ import annotations

from playwright.async_api import Browser, expect

from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_webclient import eventually, receiving_video
from tests.support.browser import Person, start_group_with
from tests.support.server import RunningServer


async def test_a_moderator_records_a_call_and_it_plays_from_the_archive(browser: Browser, server: RunningServer) -> None:
    alice, bob = [await Person.open(browser, server.url, n) for n in ("alice", "bob")]
    await start_group_with(alice, bob, "Study group")
    await alice.join_call()
    await bob.join_call()
    for person in (alice, bob):
        await eventually(lambda p=person: receiving_video(p, 1), timeout=45)

    await alice.page.get_by_role("button", name="Record", exact=True).click()
    # Bob is asked first; nothing of his is recorded without a yes.
    consent = bob.page.get_by_role("dialog", name="This call is being recorded")
    await expect(consent).to_be_visible(timeout=15_000)
    await bob.screenshot(ARTIFACTS, "20-recording-consent")
    await consent.get_by_role("button", name="Allow").click()
    await expect(consent).to_be_hidden()
    for person in (alice, bob):
        await expect(person.page.get_by_role("button", name="Recording options", exact=False)).to_be_visible()
    # A recorded pair goes through the SFU, where the recording is made.
    for person in (alice, bob):
        await expect(person.page.get_by_test_id("call-mode")).to_have_text("SFU", timeout=20_000)
        await eventually(lambda p=person: receiving_video(p, 1), timeout=45)
    await alice.screenshot(ARTIFACTS, "21-recording-indicator")
    await alice.page.wait_for_timeout(6_000)
    await alice.page.get_by_role("button", name="Stop recording").first.click()

    # The archive lists it once it is filed, and its player plays it.
    await alice.page.get_by_role("button", name="Recordings").first.click()
    play = alice.page.get_by_role("button", name="Play", exact=False).first

    async def playable() -> bool:
        if await play.is_enabled():
            return True
        await alice.page.get_by_role("button", name="Recordings").first.click()  # refresh the list
        return False

    await eventually(playable, timeout=60, every=1)
    await play.click()
    video = alice.page.locator("video[aria-label^='Recording:']")
    await expect(video).to_be_visible()
    playing = await eventually(lambda: video.evaluate(
        "v => { v.muted = true; v.play(); return v.readyState >= 2 && v.duration > 3 && v.videoWidth > 0"
        " ? {duration: v.duration, width: v.videoWidth} : null }"), timeout=30)
    assert playing["width"] in (1280, 1920) and playing["duration"] > 3
    # Mid-recording the picture shows both cameras side by side (Chromium's fake camera: a dark
    # green field), not the black of an empty canvas.
    shown = await video.evaluate("""async v => {
        v.pause(); v.currentTime = v.duration / 2;
        await new Promise(done => v.addEventListener("seeked", done, {once: true}));
        const canvas = document.createElement("canvas");
        canvas.width = v.videoWidth; canvas.height = v.videoHeight;
        const g = canvas.getContext("2d"); g.drawImage(v, 0, 0);
        const px = g.getImageData(0, 0, canvas.width, canvas.height).data;
        let lit = 0;
        for (let i = 0; i < px.length; i += 4 * 97) if (px[i + 1] > 40) lit++;
        return lit / (px.length / (4 * 97));
    }""")
    assert shown > 0.4, f"the recording shows little of the cameras ({shown:.3f} of samples)"
    await alice.screenshot(ARTIFACTS, "22-recording-player")
