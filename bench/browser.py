"""Benchmark: the web client in Chromium (Debian's, fake devices) against a PeerShare node.

- click "Join with camera" → first remote frame rendered, p50/p95 over --runs joins, for P2P (the
  second person joins) and SFU (a fourth joins a call of three), beside the floor: a bare page
  with two RTCPeerConnections in the same browser;
- the frame rate and size of a received 1920×1080 screen share;
- glass-to-glass latency: the sender's camera is a canvas stamped with the time, read back from
  the frames the receiver renders, through P2P and through the SFU.

Prints JSON lines; never asserted in tests. Goals: first frame p50 < 1 s, screen share ≥ 30 fps,
glass-to-glass p50 < 100 ms through the SFU.

    .venv/bin/python bench/browser.py [--runs 20]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
from typing import Any

from playwright.async_api import Browser, Page, async_playwright

from common import ROOT, bench_node, emit, summary_ms as summary
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.support.api import Api, User, join_with_invite, register_user

# Resolves with the time (performance.now) the first remote camera frame is rendered.
FIRST_FRAME = """() => new Promise((resolve) => {
  const watch = () => {
    const video = document.querySelector('video[data-kind=camera]');
    if (video) video.requestVideoFrameCallback(() => resolve(performance.now()));
    else setTimeout(watch, 5);
  };
  watch();
})"""

# The sender's camera: a canvas stamped with the epoch time in ms (low 32 bits) as 32 black or
# white blocks along the top, redrawn every 5 ms.
TIME_STAMPED_CAMERA = """
const realGetUserMedia = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
navigator.mediaDevices.getUserMedia = async (constraints) => {
  const audio = constraints.audio ? await realGetUserMedia({ audio: true }) : null;
  if (!constraints.video) return audio;
  const canvas = document.createElement('canvas');
  canvas.width = 1280; canvas.height = 720;
  const ctx = canvas.getContext('2d');
  setInterval(() => {
    const t = Math.floor(performance.timeOrigin + performance.now()) >>> 0;
    ctx.fillStyle = '#808080'; ctx.fillRect(0, 0, 1280, 720);
    for (let i = 0; i < 32; i++) { ctx.fillStyle = (t >>> i) & 1 ? '#fff' : '#000'; ctx.fillRect(i * 40, 0, 40, 40); }
  }, 5);
  const stream = canvas.captureStream(30);
  for (const track of audio ? audio.getAudioTracks() : []) stream.addTrack(track);
  return stream;
};
"""

# Reads the time stamp back from each rendered frame of the sender's video: latency samples in ms.
READ_STAMPS = """async ([selector, samples]) => {
  const video = document.querySelector(selector);
  const canvas = document.createElement('canvas');
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  const latencies = [];
  await new Promise((resolve) => {
    const onFrame = () => {
      const now = Math.floor(performance.timeOrigin + performance.now()) >>> 0;
      canvas.width = video.videoWidth; canvas.height = video.videoHeight;
      ctx.drawImage(video, 0, 0);
      const block = canvas.width / 32;
      let t = 0;
      for (let i = 0; i < 32; i++) {
        const [r] = ctx.getImageData(Math.floor((i + 0.5) * block), Math.floor(block / 2), 1, 1).data;
        if (r > 128) t = (t | (1 << i)) >>> 0;
      }
      const latency = (now - t) >>> 0;
      if (latency < 10000) latencies.push(latency);
      if (latencies.length >= samples) resolve();
      else video.requestVideoFrameCallback(onFrame);
    };
    video.requestVideoFrameCallback(onFrame);
    setTimeout(resolve, 30000);
  });
  return latencies;
}"""

# The floor: two peer connections in one page, camera to video element.
BARE_PAGE = """async () => {
  const started = performance.now();
  const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 1280, height: 720 }, audio: true });
  const a = new RTCPeerConnection(), b = new RTCPeerConnection();
  a.onicecandidate = (e) => e.candidate && b.addIceCandidate(e.candidate);
  b.onicecandidate = (e) => e.candidate && a.addIceCandidate(e.candidate);
  const video = document.createElement('video');
  video.autoplay = true; video.muted = true; document.body.append(video);
  const rendered = new Promise((resolve) => {
    b.ontrack = (e) => {
      if (e.track.kind !== 'video') return;
      video.srcObject = new MediaStream([e.track]);
      video.requestVideoFrameCallback(() => resolve(performance.now()));
    };
  });
  for (const track of stream.getTracks()) a.addTrack(track, stream);
  await a.setLocalDescription(await a.createOffer());
  await b.setRemoteDescription(a.localDescription);
  await b.setLocalDescription(await b.createAnswer());
  await a.setRemoteDescription(b.localDescription);
  const at = await rendered;
  stream.getTracks().forEach((t) => t.stop()); a.close(); b.close(); video.remove();
  return at - started;
}"""


class Seat:
    """One signed-in person in their own browser context, looking at the group's voice channel."""

    def __init__(self, page: Page) -> None:
        self.page = page

    @classmethod
    async def open(cls, browser: Browser, url: str, user: User, *, stamped: bool = False) -> "Seat":
        context = await browser.new_context(base_url=url, viewport={"width": 1280, "height": 800})
        tokens = json.dumps({"access_token": user.tokens["access_token"], "refresh_token": user.tokens["refresh_token"]})
        await context.add_init_script(f"localStorage.setItem('peershare.tokens', {json.dumps(tokens)});")
        if stamped:
            await context.add_init_script(TIME_STAMPED_CAMERA)
        page = await context.new_page()
        await page.goto("/")
        await page.get_by_role("button", name="Voice channel General").click()
        return cls(page)

    async def join(self) -> float:
        """Clicks join; the time (ms) until the first remote camera frame is rendered."""
        first = asyncio.ensure_future(self.page.evaluate(FIRST_FRAME))
        clicked = await self.page.evaluate(
            "() => { const t = performance.now();"
            " [...document.querySelectorAll('button')].find((b) => b.textContent === 'Join with camera').click(); return t; }")
        return float(await first) - float(clicked)

    async def leave(self) -> None:
        await self.page.get_by_role("button", name="Leave").click()
        await self.page.get_by_role("button", name="Join with camera").wait_for()

    async def close(self) -> None:
        await self.page.context.close()


async def join_times(browser: Browser, url: str, seated_users: list[User], joiner: User, runs: int) -> list[float]:
    seated = [await Seat.open(browser, url, u) for u in seated_users]
    for seat in seated:
        await seat.page.get_by_role("button", name="Join with camera").click()
        await seat.page.get_by_role("button", name="Leave").wait_for()
    times = []
    seat = await Seat.open(browser, url, joiner)
    for _ in range(runs):
        times.append(await seat.join())
        await seat.leave()
        await asyncio.sleep(1.0)
    for s in [seat, *seated]:
        await s.close()
    return times


async def screen_share(browser: Browser, url: str, users: list[User]) -> dict[str, Any]:
    """Three in an SFU call without cameras, so the 1080p screen has the machine to itself."""
    seats = [await Seat.open(browser, url, u) for u in users[:3]]
    for seat in seats:
        await seat.page.get_by_role("button", name="Join with audio only").click()
        await seat.page.get_by_role("button", name="Leave").wait_for()
    await seats[0].page.get_by_role("button", name="Share screen").click()
    viewer = seats[1].page
    await viewer.wait_for_function(
        "() => { const v = document.querySelector('video[data-kind=screen]'); return v && v.videoWidth > 0; }", timeout=30_000)
    await asyncio.sleep(3.0)  # let the bandwidth estimate ramp up
    measure = """async () => { const v = document.querySelector('video[data-kind=screen]');
      const a = v.getVideoPlaybackQuality().totalVideoFrames; await new Promise((r) => setTimeout(r, 5000));
      return { fps: (v.getVideoPlaybackQuality().totalVideoFrames - a) / 5, width: v.videoWidth, height: v.videoHeight }; }"""
    result: dict[str, Any] = await viewer.evaluate(measure)
    for seat in seats:
        await seat.close()
    return result


async def glass_to_glass(browser: Browser, url: str, users: list[User], people: int) -> list[float]:
    sender = await Seat.open(browser, url, users[0], stamped=True)
    others = [await Seat.open(browser, url, u) for u in users[1:people]]
    for seat in [sender, *others]:
        await seat.page.get_by_role("button", name="Join with camera").click()
        await seat.page.get_by_role("button", name="Leave").wait_for()
    viewer = others[0].page
    participant = await sender.page.evaluate("() => window.peershareCall.participantId")
    selector = f"video[data-kind=camera][data-participant='{participant}']"
    await viewer.wait_for_function(
        f"() => {{ const v = document.querySelector(\"{selector}\"); return v && v.videoWidth > 0; }}", timeout=30_000)
    await asyncio.sleep(3.0)
    latencies: list[float] = await viewer.evaluate(READ_STAMPS, [selector, 150])
    for seat in [sender, *others]:
        await seat.close()
    return latencies


async def run(args: argparse.Namespace) -> None:
    subprocess.run(["bash", "-c", 'source "$0/scripts/lib.sh" && ensure_webclient', str(ROOT)], check=True)
    async with bench_node() as node:
        api = Api(node.url)
        users = [register_user(api) for _ in range(4)]
        group = users[0].api.post("/api/groups", {"name": "bench"}).json()
        for user in users[1:]:
            join_with_invite(user, users[0], group["id"])
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            floor_page = await (await browser.new_context(base_url=node.url)).new_page()
            await floor_page.goto("/")
            floor = [float(await floor_page.evaluate(BARE_PAGE)) for _ in range(args.runs)]
            emit(bench="first_frame", path="bare_two_peer_connections", **summary(floor))
            emit(bench="first_frame", path="p2p", **summary(await join_times(browser, node.url, users[:1], users[1], args.runs)))
            emit(bench="first_frame", path="sfu", **summary(await join_times(browser, node.url, users[:3], users[3], args.runs)))
            emit(bench="screen_share", **await screen_share(browser, node.url, users))
            emit(bench="glass_to_glass", path="p2p", **summary(await glass_to_glass(browser, node.url, users, 2)))
            emit(bench="glass_to_glass", path="sfu", **summary(await glass_to_glass(browser, node.url, users, 3)))
            await browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
