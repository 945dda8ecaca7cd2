"""Personal data in the browser: a person downloads their data (a JSON file that parses and
matches its schema), then deletes their account, handing their group to the other member, and
lands on the sign-in screen; the other member's browser shows the messages as a deleted user's,
live and after a reload."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
from playwright.async_api import Browser, expect

from tests.e2e.conftest import ARTIFACTS
from tests.support.browser import Person, start_group_with
from tests.support.server import RunningServer

SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "schemas" / "generated" / "me_export.schema.json").read_text())


async def test_a_person_downloads_their_data_then_deletes_the_account_handing_over_their_group(
        browser: Browser, server: RunningServer) -> None:
    alice, bob = [await Person.open(browser, server.url, n) for n in ("alice", "bob")]
    await start_group_with(alice, bob, "Book club")
    for person in (alice, bob):
        await person.open_channel("Text channel general")
    await alice.send("chapter three was the best")
    said = bob.page.locator(".message", has_text="chapter three was the best")
    await expect(said.locator(".author")).to_have_text("Alice")

    # The export downloads, parses, matches its schema and holds what Alice wrote.
    page = alice.page
    await page.get_by_role("button", name="Account").click()
    async with page.expect_download() as started:
        await page.get_by_role("button", name="Download my data").click()
    download = await started.value
    assert download.suggested_filename.startswith("peershare-data-alice") and download.suggested_filename.endswith(".json")
    document = json.loads(Path(await download.path()).read_text())
    jsonschema.validate(document, SCHEMA)
    assert [m["body"] for m in document["messages"]] == ["chapter three was the best"]
    assert [(m["group_name"], m["role"]) for m in document["memberships"]] == [("Book club", "owner")]

    # Deleting: the group must go somewhere; Bob takes it over. Then back to signing in.
    await page.get_by_role("button", name="Delete account…").click()
    await expect(page.get_by_role("heading", name="Delete your account")).to_be_visible()
    await page.get_by_label("Your password").fill("not my password")
    await page.get_by_role("button", name="Delete my account").click()
    await expect(page.get_by_role("alert")).to_have_text("Choose what happens to Book club first.")
    choice = page.get_by_label("What happens to Book club")
    await expect(choice.locator("option", has_text="Hand over to Bob")).to_have_count(1)
    await choice.select_option(label="Hand over to Bob")
    await page.get_by_role("button", name="Delete my account").click()
    await expect(page.get_by_role("alert")).to_have_text("That password is wrong.")
    await page.get_by_label("Your password").fill("correct horse battery")
    await alice.screenshot(ARTIFACTS, "20-delete-account")
    await page.get_by_role("button", name="Delete my account").click()
    await expect(page.get_by_role("button", name="New here? Create an account")).to_be_visible(timeout=15_000)

    # Bob sees the message kept, from "Deleted user", at once and after a reload; the group is his.
    await expect(said.locator(".author")).to_have_text("Deleted user", timeout=10_000)
    await bob.page.reload()
    await bob.open_channel("Text channel general")
    await expect(bob.page.locator(".message", has_text="chapter three was the best").locator(".author")
                 ).to_have_text("Deleted user")
    members = bob.page.get_by_role("complementary", name="Members").locator(".member")
    await expect(members).to_have_count(1)
    await expect(members.first).to_contain_text("Bob owner")
    await bob.screenshot(ARTIFACTS, "21-deleted-user-messages")
    # Only an owner is shown the group's profile form in its settings.
    await bob.page.get_by_role("button", name="Group settings").click()
    await expect(bob.page.get_by_role("heading", name="Group", exact=True)).to_be_visible()
