"""OAuth sign-in in Chromium against a local provider: the button signs this tab in; tokens in a
fragment this tab did not ask for sign nobody in and leave the address bar."""

from __future__ import annotations

from playwright.async_api import Browser, expect

from tests.integration.test_oauth import identity, node, provider  # noqa: F401 (fixtures)
from tests.support.api import Api, register_user
from tests.support.browser import Person
from tests.support.oauth_provider import OAuthProvider
from tests.support.server import RunningServer


async def test_continue_with_github_signs_this_tab_in(browser: Browser, node: RunningServer,
                                                      provider: OAuthProvider) -> None:
    provider.sign_in_as(**identity())
    person = await Person.open(browser, node.url, "octo")
    await person.page.goto("/")
    await person.page.get_by_role("button", name="Continue with GitHub").click()
    await expect(person.page.get_by_role("navigation", name="Groups")).to_be_visible()
    assert "access_token" not in person.page.url
    assert await person.page.evaluate("() => sessionStorage.length") == 0


async def test_tokens_in_a_fragment_this_tab_did_not_ask_for_are_ignored(browser: Browser,
                                                                         node: RunningServer) -> None:
    """Someone else's tokens (their account) in a link: following it must not sign into their account."""
    theirs = register_user(Api(node.url)).tokens
    person = await Person.open(browser, node.url, "victim")
    await person.page.goto(f"/#access_token={theirs['access_token']}&refresh_token={theirs['refresh_token']}"
                           "&client_state=" + "a" * 43)
    await expect(person.page.get_by_role("alert")).to_contain_text("not started in this tab")
    await expect(person.page.get_by_role("button", name="Sign in", exact=True)).to_be_visible()
    assert "access_token" not in person.page.url
    assert await person.page.evaluate("() => localStorage.getItem('peershare.tokens')") is None
