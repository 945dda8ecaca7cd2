"""Browser tests: Playwright (Python) driving Debian's Chromium with fake camera, microphone and
screen, against a real node serving the built web client."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import AsyncIterator

import pytest
from playwright.async_api import Browser, async_playwright

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = ROOT / "artifacts" / "screenshots"
# Headless Chromium with fake media; the background-networking flags keep it off the Internet,
# which this machine does not reach.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
    "--auto-select-desktop-capture-source=Entire screen", "--autoplay-policy=no-user-gesture-required",
    "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
    "--disable-quic", "--disable-features=WebRtcHideLocalIpsWithMdns",
]


@pytest.fixture(scope="session", autouse=True)
def built_webclient() -> None:
    """The same idempotent build step scripts/run and scripts/test use."""
    subprocess.run(["bash", "-c", 'source "$0/scripts/lib.sh" && ensure_webclient', str(ROOT)], check=True)


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        await launched.close()
