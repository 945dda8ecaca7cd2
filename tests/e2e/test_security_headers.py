"""The served app under its Content-Security-Policy, in Chromium: it loads, signs up, creates a
group and chats with no policy violation; the docs page's inline style is allowed by its hash."""

from __future__ import annotations

from playwright.async_api import Browser, ConsoleMessage, Page, expect

from tests.e2e.conftest import ROOT
from tests.support.browser import Person
from tests.support.server import RunningServer

RECORD_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation",
  (e) => window.cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
"""


async def violations(page: Page, console: list[str]) -> list[str]:
    recorded: list[str] = await page.evaluate("() => window.cspViolations")
    return recorded + [text for text in console if "Content Security Policy" in text]


def watch_console(page: Page) -> list[str]:
    messages: list[str] = []

    def keep(message: ConsoleMessage) -> None:
        messages.append(message.text)

    page.on("console", keep)
    return messages


async def test_the_app_signs_up_and_chats_with_no_csp_violation(browser: Browser, server: RunningServer) -> None:
    person = await Person.open(browser, server.url, "casey")
    await person.page.add_init_script(RECORD_VIOLATIONS)
    console = watch_console(person.page)
    shell = await person.page.request.get(server.url + "/")
    assert "frame-ancestors 'none'" in shell.headers["content-security-policy"]
    await person.sign_up()
    await person.create_group("Policy team")
    await person.open_channel("Text channel general")
    await person.send("hello under a policy")
    await expect(person.page.locator(".message .body", has_text="hello under a policy")).to_be_visible()
    await person.page.goto("/network")
    await person.page.wait_for_load_state("networkidle")
    assert await violations(person.page, console) == []


async def test_the_docs_page_is_styled_under_its_own_policy(browser: Browser, server: RunningServer) -> None:
    page = await browser.new_page()
    await page.add_init_script(RECORD_VIOLATIONS)
    console = watch_console(page)
    await page.goto(server.url + "/api/docs")
    assert await page.evaluate("() => getComputedStyle(document.body).maxWidth") == "960px"
    assert await violations(page, console) == []
    await page.close()


def test_the_served_build_has_no_source_maps() -> None:
    dist = ROOT / "webclient" / "dist"
    assert (dist / "index.html").is_file() and list(dist.rglob("*.map")) == []
