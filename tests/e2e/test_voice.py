"""Voice processing through a real P2P call between two Chromiums. The sender's microphone is a
WAV file written by the test (speech-like bursts over pink noise, see tests/support/voice_signal);
the receiver records the remote audio track in its page and the test reads it back, finding the
bursts by level. With RNNoise on, the noise between bursts drops by at least 15 dB and the bursts
keep their energy within 3 dB; push-to-talk sends silence until the key is held; the voice gate
stays closed on noise alone and opens for the bursts; speaking while muted shows a hint."""

from __future__ import annotations

import asyncio
import base64
from pathlib import Path
from typing import AsyncIterator

import numpy as np
import pytest
from playwright.async_api import Browser, Page, async_playwright, expect

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.e2e.test_security_headers import RECORD_VIOLATIONS, violations, watch_console
from tests.e2e.test_webclient import eventually
from tests.support.browser import Person
from tests.support.server import RunningServer
from tests.support.voice_signal import RATE, make_signal, read_recording, rms_db, write_wav

# Records `seconds` of the first remote participant's microphone stream at 48 kHz, mono, and
# returns it as base64 little-endian float32 (a ScriptProcessor: a worklet module would have to
# come from the app's origin under its CSP).
RECORD_REMOTE = """async (seconds) => {
  const stream = window.peershareCall.remotes()[0].streams.mic;
  const ctx = new AudioContext({ sampleRate: 48000 });
  const source = ctx.createMediaStreamSource(stream);
  const tap = ctx.createScriptProcessor(4096, 1, 1);
  const chunks = [];
  tap.onaudioprocess = (e) => chunks.push(new Float32Array(e.inputBuffer.getChannelData(0)));
  source.connect(tap);
  tap.connect(ctx.destination);
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  tap.disconnect();
  source.disconnect();
  await ctx.close();
  const all = new Float32Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) { all.set(c, at); at += c.length; }
  const bytes = new Uint8Array(all.buffer);
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}"""

RECORD_S = 8.0
# Half-way between the test signal's speech (-20 dBFS) and noise (-45 dBFS): what counts as a burst.
BURST_THRESHOLD_DB = -32.0


async def record(receiver: Person, seconds: float = RECORD_S) -> np.ndarray:
    encoded: str = await receiver.page.evaluate(RECORD_REMOTE, seconds)
    return np.frombuffer(base64.b64decode(encoded), dtype="<f4").astype(np.float64)


@pytest.fixture
async def sender_browser(tmp_path: Path) -> AsyncIterator[Browser]:
    """A Chromium whose microphone plays the test signal, in a loop."""
    wav = tmp_path / "speech_over_pink_noise.wav"
    write_wav(wav, make_signal().samples)
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, f"--use-file-for-fake-audio-capture={wav}"])
        yield launched
        await launched.close()


async def voice_settings(page: Page) -> None:
    """Opens the in-call voice settings (a disclosure in the call controls)."""
    details = page.locator("details.voice-popover")
    if await details.get_attribute("open") is None:
        await page.get_by_text("Voice settings").click()


async def test_noise_suppression_push_to_talk_gate_and_muted_hint_through_a_call(
        sender_browser: Browser, browser: Browser, server: RunningServer) -> None:
    sender = await Person.open(sender_browser, server.url, "speaker")
    receiver = await Person.open(browser, server.url, "listener")
    # RNNoise's wasm compiles under the app's CSP ('wasm-unsafe-eval'), with no violation.
    await sender.page.add_init_script(RECORD_VIOLATIONS)
    console = watch_console(sender.page)
    await sender.sign_up()
    await sender.create_group("Voice lab")
    link = await sender.invite_link()
    await receiver.sign_up()
    await receiver.page.goto(link)
    await receiver.page.get_by_role("button", name="Join the group").click()
    await expect(receiver.page.get_by_role("heading", name="Voice lab")).to_be_visible()

    # The pre-join panel: suppression is on by default.
    await sender.open_channel("Voice channel General")
    await expect(sender.page.get_by_role("checkbox", name="Noise suppression")).to_be_checked()
    for person in (sender, receiver):
        await person.open_channel("Voice channel General")
        await person.page.get_by_role("button", name="Join with audio only").click()
        await expect(person.page.get_by_role("toolbar", name="Call controls")).to_be_visible()
    for person in (sender, receiver):
        await expect(person.page.get_by_test_id("call-mode")).to_have_text("P2P", timeout=20_000)
    # The receiver sends nothing, so the sender's echo canceller has no far end to act on.
    await receiver.page.get_by_role("button", name="Mute").click()
    await eventually(lambda: receiver.page.evaluate(
        "() => !!window.peershareCall?.remotes()[0]?.streams.mic"), timeout=20)

    suppression = sender.page.get_by_role("button", name="Noise suppression")
    await expect(suppression).to_have_attribute("aria-pressed", "true")
    # The meters show the raw microphone and what is sent.
    await voice_settings(sender.page)
    await eventually(lambda: sender.page.locator("meter").first.get_attribute("data-db"), timeout=10)

    # Suppression off: the noise as it is.
    await suppression.click()
    await expect(suppression).to_have_attribute("aria-pressed", "false")
    await asyncio.sleep(1)
    off = read_recording(await record(receiver), BURST_THRESHOLD_DB)
    # On: RNNoise in the chain (a second to settle on the noise).
    await suppression.click()
    await expect(suppression).to_have_attribute("aria-pressed", "true")
    await asyncio.sleep(2)
    on = read_recording(await record(receiver), BURST_THRESHOLD_DB)
    print(f"suppression off: bursts {off.burst_db:.1f} dBFS, gaps {off.gap_db:.1f} dBFS ({len(off.bursts)} bursts)")
    print(f"suppression on:  bursts {on.burst_db:.1f} dBFS, gaps {on.gap_db:.1f} dBFS ({len(on.bursts)} bursts)")
    for reading in (off, on):
        # About one burst every 2 s, each about 0.8 s long: what was found is the signal's bursts
        # (the receiver's jitter buffer may stretch or squeeze time a little on a busy machine).
        assert len(reading.bursts) >= 2
        assert all(0.5 * RATE <= b - a <= 1.4 * RATE for a, b in reading.bursts), reading.bursts
        assert all(1.6 * RATE <= b[0] - a[0] <= 2.4 * RATE for a, b in zip(reading.bursts, reading.bursts[1:])), reading.bursts
    # The file's noise is -45 dBFS; the sender's echo canceller and the codec take a few dB.
    assert off.gap_db > -55, "the noise did not reach the receiver: nothing to suppress"
    assert off.gap_db - on.gap_db >= 15
    assert abs(on.burst_db - off.burst_db) <= 3

    # The voice gate, suppression off so the gate alone faces the noise: closed between bursts,
    # open for them. Sensitivity 30 opens at -35 dBFS, above this noise (-45 dBFS).
    await suppression.click()
    await sender.page.get_by_role("radio", name="When I speak (voice gate)").check()
    await sender.page.get_by_role("slider", name="Gate sensitivity").fill("30")
    await asyncio.sleep(1)
    gated = read_recording(await record(receiver), BURST_THRESHOLD_DB)
    print(f"gate: bursts {gated.burst_db:.1f} dBFS, gaps {gated.gap_db:.1f} dBFS ({len(gated.bursts)} bursts)")
    assert len(gated.bursts) >= 2
    assert gated.gap_db < -80  # closed: silence
    assert abs(gated.burst_db - off.burst_db) <= 3

    # Push-to-talk: silence until the key is held, then the voice.
    await sender.page.get_by_role("radio", name="While I hold a key (push-to-talk)").check()
    await expect(sender.page.get_by_text("Hold ` to talk")).to_be_visible()
    await sender.page.locator("body").click(position={"x": 5, "y": 5})  # focus on the page, not a field
    await asyncio.sleep(0.5)
    released = await record(receiver, 4.0)
    await sender.page.keyboard.down("Backquote")
    await expect(sender.page.get_by_text("Talking", exact=True)).to_be_visible()
    await asyncio.sleep(0.5)
    held = read_recording(await record(receiver, 6.0), BURST_THRESHOLD_DB)
    await sender.page.keyboard.up("Backquote")
    print(f"push-to-talk: released {rms_db(released):.1f} dBFS, held: bursts {held.burst_db:.1f} dBFS")
    assert rms_db(released) < -80
    assert len(held.bursts) >= 2 and abs(held.burst_db - off.burst_db) <= 3

    # Muted while speaking: the hint shows; unmuted, it goes.
    await sender.page.get_by_role("radio", name="Always").check()
    await sender.page.get_by_role("button", name="Mute", exact=True).click()
    hint = sender.page.get_by_text("You are muted.")
    await expect(hint).to_be_visible(timeout=10_000)
    await sender.page.get_by_role("button", name="Unmute", exact=True).click()
    await expect(hint).to_be_hidden()

    assert await violations(sender.page, console) == []

    # Per device: a new page of the same browser context starts with these settings.
    again = await sender.page.context.new_page()
    await again.goto(server.url + "/")
    stored = await again.evaluate("() => JSON.parse(localStorage.getItem('peershare.voice'))")
    assert stored == {"suppression": False, "mode": "always", "sensitivity": 30, "pttKey": "Backquote"}
