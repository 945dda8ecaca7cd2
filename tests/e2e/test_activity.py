"""A group's activity page in Chromium, fed by a real call: two people call in the browser, then
the page lists the call, the group's events, draws the analytics charts (read back from Chart.js),
exports the group as JSON and the calls as CSV, and passes axe on every tab."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from playwright.async_api import Browser, Download, Page, Route, expect

from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_webclient import eventually, receiving_video
from tests.support.browser import Person, start_group_with
from tests.support.server import RunningServer

CSV_HEADER = ["call_id", "channel", "started_at", "ended_at", "duration_s", "participants", "p2p_seconds", "sfu_seconds",
              "relayed", "screen_shared", "join_failures", "rtt_avg_ms", "loss_avg_pct"]
# Chart id → how many series it draws (history/charts.ts).
CHART_SERIES = {"calls-per-day": 2, "participants-per-call": 1, "p2p-vs-sfu": 2, "turn-share": 2, "rtt-loss": 2,
                "quality": 1, "joins-per-day": 2, "join-failures": 1}


async def _download(page: Page, button: str) -> tuple[Download, bytes]:
    async with page.expect_download() as info:
        await page.get_by_role("button", name=button).click()
    download = await info.value
    path = await download.path()
    return download, Path(path).read_bytes()


async def _charts(page: Page) -> dict[str, Any]:
    """Per chart on the page: its Chart.js type, series, the sum of each series, and the canvas size."""
    result: dict[str, Any] = await page.evaluate("""() => Object.fromEntries(
        [...document.querySelectorAll("figure[data-chart]")].map((figure) => {
            const canvas = figure.querySelector("canvas");
            const chart = window.peershareChart.getChart(canvas);
            return [figure.dataset.chart, chart ? {
                type: chart.config.type, width: canvas.width, height: canvas.height,
                series: chart.data.datasets.map((d) => d.label),
                sums: chart.data.datasets.map((d) => d.data.reduce((a, b) => a + b, 0)),
                labels: chart.data.labels.length,
            } : null];
        }))""")
    return result


async def test_a_real_call_shows_on_the_activity_page_in_charts_and_exports(browser: Browser, server: RunningServer) -> None:
    alice, bob = [await Person.open(browser, server.url, n) for n in ("alice", "bob")]
    await start_group_with(alice, bob, "Book club")
    await alice.open_channel("Text channel general")
    await alice.send("see you at the call")

    # Bob's browser first refuses him the camera: the client reports that failed join.
    await bob.page.evaluate("""() => {
        const real = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
        navigator.mediaDevices.getUserMedia = () => {
            navigator.mediaDevices.getUserMedia = real;
            return Promise.reject(new DOMException("Permission denied", "NotAllowedError"));
        };
    }""")
    await bob.open_channel("Voice channel General")
    await bob.page.get_by_role("button", name="Join with camera").click()
    await expect(bob.page.get_by_role("alert").filter(has_text="not allowed to use your camera")).to_be_visible()

    # One real call: peer to peer, video both ways, then both leave and it ends.
    await alice.join_call()
    await bob.join_call()
    for person in (alice, bob):
        await expect(person.page.get_by_test_id("call-mode")).to_have_text("P2P", timeout=20_000)
        await eventually(lambda p=person: receiving_video(p, 1), timeout=45)
    await alice.page.wait_for_timeout(3_000)
    for person in (bob, alice):
        await person.page.get_by_role("button", name="Leave").click()

    page = alice.page
    # The first load fails (the network drops it): the page says so and Retry recovers.
    failed_once = False

    async def drop_first(route: Route) -> None:
        nonlocal failed_once
        if failed_once:
            await route.continue_()
        else:
            failed_once = True
            await route.abort()

    await page.route("**/api/groups/*/calls?*", drop_first)
    await page.get_by_role("button", name="Activity", exact=True).click()
    # The page's code (and Chart.js) loads on first open, on a machine busy with two browsers.
    await expect(page.get_by_role("heading", name="Book club — activity")).to_be_visible(timeout=15_000)
    await expect(page.get_by_role("alert")).to_be_visible()
    await page.get_by_role("button", name="Retry").click()
    await page.unroute("**/api/groups/*/calls?*")

    # Calls: the one call, both people with their times, peer to peer without TURN.
    rows = page.locator("table.calls-table tbody tr")
    await expect(rows).to_have_count(1, timeout=15_000)
    row = rows.first
    await expect(row.locator("th")).to_have_text("#General")
    await expect(row.locator(".participants li")).to_have_count(2)
    await expect(row.locator(".participants")).to_contain_text("Alice")
    await expect(row.locator(".participants")).to_contain_text("Bob")
    await expect(row.locator("td").nth(3)).to_contain_text("P2P")
    await expect(row.locator("td").nth(4)).to_have_text("Direct")
    call_id = await row.get_attribute("data-call-id")
    assert await alice.axe_violations() == []
    await alice.screenshot(ARTIFACTS, "30-activity-calls")
    # A filter that matches nothing says so.
    await page.get_by_label("From").fill("2001-01-01")
    await page.get_by_label("To").fill("2001-01-02")
    await expect(page.get_by_text("No calls match these filters.")).to_be_visible()
    await page.get_by_role("button", name="Clear filters").click()
    await expect(rows).to_have_count(1)

    # Activity: the call and Bob's arrival are among the events; the kind filter narrows them.
    # The tabs go by arrow keys too.
    await page.get_by_role("tab", name="Calls").focus()
    await page.keyboard.press("ArrowRight")
    await expect(page.get_by_role("tab", name="Activity")).to_have_attribute("aria-selected", "true")
    await expect(page.get_by_role("tab", name="Activity")).to_be_focused()
    events = page.locator("ol.events li")
    await expect(events.filter(has_text="started a call in #General")).to_have_count(1)
    await expect(events.filter(has_text="Bob")).not_to_have_count(0)
    await page.get_by_label("Kind").select_option("call_started")
    await expect(events).to_have_count(1)
    assert await alice.axe_violations() == []
    await alice.screenshot(ARTIFACTS, "32-activity-events")

    # Analytics: every chart drawn by Chart.js with its series, the numbers those of the call.
    await page.get_by_role("tab", name="Analytics").click()
    await expect(page.locator("figure[data-chart]")).to_have_count(len(CHART_SERIES))
    charts = await eventually(lambda: _charts(page))
    assert set(charts) == set(CHART_SERIES)
    for chart_id, series in CHART_SERIES.items():
        chart = charts[chart_id]
        assert chart is not None, f"{chart_id} has no Chart.js chart"
        assert len(chart["series"]) == series, (chart_id, chart)
        assert chart["width"] > 0 and chart["height"] > 0, (chart_id, chart)
    assert charts["calls-per-day"]["labels"] == 30  # the default period, every day
    assert charts["calls-per-day"]["sums"][0] == 1
    assert charts["participants-per-call"]["sums"] == [1]
    assert charts["turn-share"]["sums"] == [1, 0]  # direct, relayed
    assert charts["quality"]["sums"] == [2]  # two participations, graded or not
    # Three joins: two in, one refused the camera.
    assert charts["joins-per-day"]["sums"] == [2, 1]
    assert charts["join-failures"]["sums"] == [1]
    await expect(page.locator("figure[data-chart=join-failures] .chart-summary")).to_have_text("Camera/mic refused: 1.")
    await expect(page.locator("dl.totals")).to_contain_text("Calls1")
    await expect(page.locator("dl.totals")).to_contain_text("Join success67%")
    await expect(page.locator("figure[data-chart=calls-per-day] .chart-summary")).to_contain_text("1 call,")
    assert await alice.axe_violations() == []
    await alice.screenshot(ARTIFACTS, "31-activity-analytics")
    # The table alternative holds the same numbers.
    await page.locator("figure[data-chart=participants-per-call] summary").click()
    await expect(page.locator("figure[data-chart=participants-per-call] tbody tr")).to_have_text(["21"])

    # Export: the group as JSON (messages only when asked) and the calls as CSV.
    await page.get_by_role("button", name="Export…").click()
    dialog = page.get_by_role("dialog", name="Export Book club")
    await expect(dialog).to_be_visible()
    assert await alice.axe_violations() == []
    await alice.screenshot(ARTIFACTS, "33-activity-export")
    download, body = await _download(page, "Download JSON")
    assert download.suggested_filename.endswith(".json")
    exported = json.loads(body)
    assert exported["format"] == "peershare.group-export/1"
    assert [c["id"] for c in exported["calls"]] == [call_id]
    assert sorted(p["display_name"] for p in exported["calls"][0]["participants"]) == ["Alice", "Bob"]
    assert sorted(m["display_name"] for m in exported["members"]) == ["Alice", "Bob"]
    assert not exported.get("messages")
    await dialog.get_by_label("Include messages").check()
    _, body = await _download(page, "Download JSON")
    assert [m["body"] for m in json.loads(body)["messages"]] == ["see you at the call"]
    await expect(dialog.get_by_role("status")).to_contain_text("Downloaded")

    download, body = await _download(page, "Download calls CSV")
    assert download.suggested_filename.endswith(".csv")
    table = list(csv.reader(io.StringIO(body.decode())))
    assert table[0] == CSV_HEADER
    assert [r[0] for r in table[1:]] == [call_id]
    assert table[1][1] == "General" and table[1][5] == "2"
