"""One person in a browser tab of the web client, and what tests read off the page."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

from playwright.async_api import Browser, Page, expect

AXE = Path(__file__).resolve().parents[2] / "webclient" / "node_modules" / "axe-core" / "axe.min.js"


class Person:
    def __init__(self, page: Page, base_url: str, name: str) -> None:
        self.page = page
        self.base_url = base_url
        self.name = name
        self.username = ""

    @classmethod
    async def open(cls, browser: Browser, base_url: str, name: str, *,
                   voice: dict[str, object] | None = None) -> "Person":
        """`voice`: this device's voice settings (webclient/src/voice/settings.ts) before the app loads."""
        context = await browser.new_context(base_url=base_url, permissions=["camera", "microphone"],
                                            viewport={"width": 1280, "height": 800})
        if voice is not None:
            await context.add_init_script(f"localStorage.setItem('peershare.voice', {json.dumps(json.dumps(voice))})")
        page = await context.new_page()
        return cls(page, base_url, name)

    async def sign_up(self) -> None:
        page = self.page
        await page.goto("/")
        await page.get_by_role("button", name="New here? Create an account").click()
        self.username = f"{self.name}{secrets.token_hex(3)}"
        await page.get_by_label("Username").fill(self.username)
        await page.get_by_label("Display name").fill(self.name.capitalize())
        await page.get_by_label("Password").fill("correct horse battery")
        await page.get_by_role("button", name="Sign up").click()
        await expect(page.get_by_role("navigation", name="Groups")).to_be_visible()

    async def create_group(self, name: str) -> None:
        page = self.page
        await page.get_by_role("button", name="Create a group").click()
        await page.get_by_label("Name").fill(name)
        await page.get_by_label("Purpose").fill("Where the team talks")
        await page.get_by_role("button", name="Create group").click()
        await expect(page.get_by_role("heading", name=name)).to_be_visible()

    async def invite_link(self, role: str = "member") -> str:
        page = self.page
        await page.get_by_role("button", name="Group settings").click()
        await page.locator("select[name=invite_role]").select_option(role)
        await page.get_by_role("button", name="Create invite link").click()
        link = page.locator(f"input[data-invite-role={role}]").first
        await expect(link).to_be_visible()
        url = await link.input_value()
        await page.get_by_role("button", name="Back").click()
        return url

    async def join_group(self, link: str, group_name: str) -> None:
        await self.page.goto(link)
        await self.page.get_by_role("button", name="Join the group").click()
        await expect(self.page.get_by_role("heading", name=group_name)).to_be_visible()

    async def open_channel(self, label: str) -> None:
        await self.page.get_by_role("button", name=label).first.click()

    async def send(self, text: str) -> None:
        await self.page.get_by_label("Message #general").fill(text)
        await self.page.get_by_role("button", name="Send").click()

    async def join_call(self) -> None:
        await self.open_channel("Voice channel General")
        await self.page.get_by_role("button", name="Join with camera").click()
        await expect(self.page.get_by_role("toolbar", name="Call controls")).to_be_visible()

    async def frames_decoded(self) -> int:
        return int(await self.page.evaluate("() => window.peershareCall ? window.peershareCall.framesDecoded() : 0"))

    async def video_frames(self, selector: str) -> list[dict[str, int]]:
        """Per matching video element: its size and how many frames it has shown."""
        result: list[dict[str, int]] = await self.page.evaluate(
            """(selector) => [...document.querySelectorAll(selector)].map((v) => ({
                width: v.videoWidth, height: v.videoHeight,
                frames: v.getVideoPlaybackQuality().totalVideoFrames }))""", selector)
        return result

    async def axe_violations(self) -> list[dict[str, object]]:
        """Serious and critical accessibility violations on the page as it is (axe-core)."""
        # Evaluated through DevTools, not as a <script> tag: the page's CSP refuses inline scripts.
        await self.page.evaluate(AXE.read_text())
        result = await self.page.evaluate(
            "async () => (await axe.run()).violations.map((v) =>"
            " ({id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(' ')), help: v.help}))")
        return [v for v in result if v["impact"] in ("serious", "critical")]

    async def screenshot(self, folder: Path, name: str) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        await self.page.screenshot(path=str(folder / f"{name}.png"))


async def start_group_with(owner: Person, joiner: Person, group_name: str) -> None:
    """Both sign up; the owner creates the group and the joiner comes in through its invite link."""
    await owner.sign_up()
    await owner.create_group(group_name)
    link = await owner.invite_link()
    await joiner.sign_up()
    await joiner.join_group(link, group_name)
