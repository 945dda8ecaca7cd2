"""Group history, analytics and export from real calls (aiortc P2P clients, a TURN-relayed pair
through the node's coturn, pymediasoup clients through the SFU): the numbers the routes, the CSV,
/metrics and `peershare stats` give are the ones the calls made.

The scenario (one group: owner, moderator, alice, bob):
  A  lounge, P2P direct: owner + alice; quality reports owner (40 ms, 0 %) (60 ms, 1 %), alice (20, 0) (40, 0)
  B  lounge, P2P relayed by TURN: owner + alice; owner reports (450 ms, 1 %), alice nothing
  C  lounge, SFU: owner (shares a screen), alice, bob with media; the moderator joins without media
     and reports ice_failed for that call
  -  alice is refused in "stage" (members may not join calls there)
  -  bob's camera is refused before he joins: media_denied, no call
  D  "backroom" (members may not view it): the owner alone
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import jsonschema
import pytest

from schemas import codegen
from tests.integration.test_calls import voice_channel
from tests.integration.test_metrics import sample
from tests.integration.test_sfu_calls import everyone_sees_everyone, wait_for_frames
from tests.support.api import (
    Api,
    GroupWithMembers,
    join_as_guest,
    join_with_invite,
    make_group_with_members,
    register_user,
)
from tests.support.call_client import CallClient
from tests.support.db import server_db
from tests.support.server import RunningServer
from tests.support.turn_client import managed_turn
from tests.support.webrtc import MovingPattern, P2PPeer
from tests.support.ws import WsClient


@dataclass
class Scenario:
    node: RunningServer
    group: GroupWithMembers
    lounge: str
    stage: str
    backroom: str
    # Call ids in the order they were made: A, B, C, D.
    calls: list[str]

    @property
    def alice(self) -> Any:
        return self.group.members[0]

    @property
    def bob(self) -> Any:
        return self.group.members[1]

    def get(self, who: Any, path: str, **params: Any) -> httpx.Response:
        return who.api.get(f"/api/groups/{self.group.id}{path}", params=params)


class DirectOnly(P2PPeer):
    """Given no TURN server, as on a network where peers reach each other: its media goes direct."""

    def _new_pc(self, peer_id: str) -> Any:
        servers = [x for x in self.joined["ice_servers"] if not any(u.startswith("turn") for u in x["urls"])]
        self.joined = {**self.joined, "ice_servers": servers}
        return super()._new_pc(peer_id)


async def _p2p_call(url: str, channel: str, users: list[Any], *, relay: bool,
                    reports: dict[int, list[tuple[float, float]]]) -> str:
    sockets = [await WsClient.connect(url, u.tokens["access_token"]) for u in users]
    peers = [P2PPeer(ws, relay_only=True) if relay else DirectOnly(ws) for ws in sockets]
    try:
        for peer in peers:
            await peer.join(channel)
        for peer in peers:
            await asyncio.wait_for(peer.connected.wait(), 30)
        for _ in range(300):
            if "video" in peers[1].received:
                break
            await asyncio.sleep(0.05)
        await peers[1].received["video"].wait_count(5)
        for index, peer in enumerate(peers):
            # What the web client tells the server: the path its candidate pair took, then stats.
            path = await peer.selected_path()
            assert path == ("relay" if relay else "direct")
            await peer.ws.ok("report_media_path", path=path)
            for rtt, loss in reports.get(index, []):
                await peer.ws.ok("report_quality", rtt_ms=rtt, loss_pct=loss)
        for ws in sockets:
            await ws.ok("leave_call")
        return str(peers[0].joined["call_id"])
    finally:
        for peer in peers:
            await peer.close()
        for ws in sockets:
            await ws.close()


async def _sfu_call(s: Scenario) -> str:
    url, group = s.node.url, s.group
    sockets = [await WsClient.connect(url, u.tokens["access_token"]) for u in (group.owner, s.alice, s.bob)]
    clients = [CallClient(ws) for ws in sockets]
    moderator = await WsClient.connect(url, group.moderator.tokens["access_token"])
    try:
        for client in clients:
            await client.join(s.lounge)
        await everyone_sees_everyone(clients)
        sharer = clients[0]
        assert sharer.sfu is not None
        await sharer.sfu.produce("screen", MovingPattern(640, 360, fps=15))
        await wait_for_frames(clients[1].views.setdefault(f"{sharer.participant_id}:screen", []), 5)
        call_id = str(sharer.joined["call_id"])
        # A client whose media never came up: in, a failure report for that call, out.
        await moderator.ok("join_call", channel_id=s.lounge)
        await moderator.ok("report_join_failure", channel_id=s.lounge, call_id=call_id, reason="ice_failed",
                           detail="checking → failed after 30 s")
        await moderator.ok("leave_call")
        # The SFU's scores become time in a grade every round of the host's upkeep.
        deadline = time.monotonic() + 20
        while True:
            [live] = [c for c in s.get(group.owner, "/calls").json()["calls"] if c["id"] == call_id]
            graded = [p for p in live["participants"] if p["quality"] is not None]
            if len(graded) == 3 or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.3)
        assert len(graded) == 3, live["participants"]
        for client in clients:
            await client.ws.ok("leave_call")
        return call_id
    finally:
        for client in clients:
            await client.close()
        for ws in (*sockets, moderator):
            await ws.close()


async def _play(s: Scenario) -> None:
    url, group = s.node.url, s.group
    s.calls.append(await _p2p_call(url, s.lounge, [group.owner, s.alice], relay=False,
                                   reports={0: [(40.0, 0.0), (60.0, 1.0)], 1: [(20.0, 0.0), (40.0, 0.0)]}))
    s.calls.append(await _p2p_call(url, s.lounge, [group.owner, s.alice], relay=True, reports={0: [(450.0, 1.0)]}))
    s.calls.append(await _sfu_call(s))
    alice, bob, owner = [await WsClient.connect(url, u.tokens["access_token"]) for u in (s.alice, s.bob, group.owner)]
    try:
        refused = await alice.request("join_call", channel_id=s.stage)
        assert refused["code"] == "permission_denied"
        await bob.ok("report_join_failure", channel_id=s.lounge, reason="media_denied", detail="NotAllowedError")
        await owner.ok("send_message", channel_id=s.group.text_channel_id, client_id="history-1", body="hello history")
        joined = await owner.ok("join_call", channel_id=s.backroom)
        await owner.ok("leave_call")
        s.calls.append(str(joined["call_id"]))
    finally:
        for ws in (alice, bob, owner):
            await ws.close()


@pytest.fixture(scope="module")
def scenario(server_factory_module) -> Scenario:  # type: ignore[no-untyped-def]
    # A node of its own (its counters are this module's), with TURN, and a short SFU upkeep round.
    node = server_factory_module(**managed_turn(turn_allow_loopback=True), sfu_host_lease_s=1.5)
    group = make_group_with_members(Api(node.url), n=2)
    owner = group.owner.api
    stage = owner.post(f"/api/groups/{group.id}/channels", {
        "name": "stage", "kind": "voice", "overrides": {"member": {"join_call": False}}}).json()["id"]
    backroom = owner.post(f"/api/groups/{group.id}/channels", {
        "name": "backroom", "kind": "voice", "overrides": {"member": {"view": False}}}).json()["id"]
    s = Scenario(node, group, voice_channel(group), stage, backroom, [])
    asyncio.run(_play(s))
    return s


def _calls(s: Scenario, who: Any, **params: Any) -> list[dict[str, Any]]:
    response = s.get(who, "/calls", **params)
    assert response.status_code == 200, response.text
    calls: list[dict[str, Any]] = response.json()["calls"]
    return calls


def test_the_call_history_says_what_happened_in_each_call(scenario: Scenario) -> None:
    s = scenario
    a, b, c, d = s.calls
    calls = _calls(s, s.group.owner)
    assert [call["id"] for call in calls] == [d, c, b, a]  # newest first
    by_id = {call["id"]: call for call in calls}
    assert [by_id[x]["relayed"] for x in (a, b, c, d)] == [False, True, False, False]
    assert [by_id[x]["screen_shared"] for x in (a, b, c, d)] == [False, False, True, False]
    assert [by_id[x]["join_failures"] for x in (a, b, c, d)] == [0, 0, 1, 0]
    lounge = next(ch["name"] for ch in s.group.body["channels"] if ch["id"] == s.lounge)
    assert [by_id[x]["channel_name"] for x in (a, b, c, d)] == [lounge, lounge, lounge, "backroom"]
    for call in calls:
        assert call["ended_at"] is not None
        assert call["p2p_seconds"] + call["sfu_seconds"] == pytest.approx(call["duration_s"], abs=0.05)
    assert by_id[c]["sfu_seconds"] > 0 and by_id[a]["sfu_seconds"] == 0
    owner, alice, bob, moderator = (s.group.owner.id, s.alice.id, s.bob.id, s.group.moderator.id)
    people_a = {p["user_id"]: p for p in by_id[a]["participants"]}
    assert set(people_a) == {owner, alice}
    assert (people_a[owner]["rtt_ms"], people_a[owner]["loss_pct"], people_a[owner]["quality"]) == (50.0, 0.5, "good")
    assert (people_a[alice]["rtt_ms"], people_a[alice]["loss_pct"], people_a[alice]["quality"]) == (30.0, 0.0, "good")
    assert {p["media_path"] for p in people_a.values()} == {"direct"}
    people_b = {p["user_id"]: p for p in by_id[b]["participants"]}
    assert (people_b[owner]["quality"], people_b[owner]["rtt_ms"]) == ("poor", 450.0)
    assert (people_b[alice]["quality"], people_b[alice]["rtt_ms"]) == (None, None)
    assert {p["media_path"] for p in people_b.values()} == {"relay"}
    people_c = {p["user_id"]: p for p in by_id[c]["participants"]}
    assert set(people_c) == {owner, alice, bob, moderator}
    assert [people_c[x]["screen_shared"] for x in (owner, alice, bob)] == [True, False, False]
    assert all(people_c[x]["quality"] in ("good", "fair", "poor") for x in (owner, alice, bob))
    assert people_c[moderator]["quality"] is None and people_c[moderator]["left_reason"] == "left"
    assert by_id[c]["recordings"] == []


def test_history_pages_and_filters(scenario: Scenario) -> None:
    s = scenario
    a, b, c, d = s.calls
    seen, cursor = [], None
    while True:
        page = s.get(s.group.owner, "/calls", limit=1, **({"before": cursor} if cursor else {})).json()
        seen += [call["id"] for call in page["calls"]]
        cursor = page["next"]
        if cursor is None:
            break
    assert seen == [d, c, b, a]
    assert [x["id"] for x in _calls(s, s.group.owner, participant_id=s.bob.id)] == [c]
    assert [x["id"] for x in _calls(s, s.group.owner, channel_id=s.backroom)] == [d]
    started_c = next(x["started_at"] for x in _calls(s, s.group.owner) if x["id"] == c)
    assert [x["id"] for x in _calls(s, s.group.owner, until=started_c)] == [b, a]
    assert [x["id"] for x in _calls(s, s.group.owner, since=started_c)] == [d, c]


def test_members_see_the_history_of_channels_they_may_view_only(scenario: Scenario) -> None:
    s = scenario
    a, b, c, _ = s.calls
    assert [x["id"] for x in _calls(s, s.alice)] == [c, b, a]
    hidden = s.get(s.alice, "/calls", channel_id=s.backroom)
    assert (hidden.status_code, hidden.json()["error"]["code"]) == (404, "channel_not_found")
    kinds = [e["kind"] for e in s.get(s.alice, "/activity", limit=100).json()["events"]]
    assert kinds.count("call_started") == 3 and kinds.count("channel_created") == 1
    outsider = register_user(Api(s.node.url))
    for path in ("/calls", "/activity", "/analytics", "/export", "/calls.csv"):
        refused = s.get(outsider, path)
        assert (refused.status_code, refused.json()["error"]["code"]) == (404, "group_not_found"), path


def test_analytics_add_up_to_the_calls_made(scenario: Scenario) -> None:
    s = scenario
    response = s.get(s.group.owner, "/analytics")
    assert response.status_code == 200, response.text
    got = response.json()
    totals = got["totals"]
    calls = _calls(s, s.group.owner)
    assert totals["calls"] == 4
    assert totals["call_minutes"] == pytest.approx(sum(c["duration_s"] for c in calls) / 60, abs=0.002)
    assert totals["sfu_minutes"] == pytest.approx(sum(c["sfu_seconds"] for c in calls) / 60, abs=0.002)
    assert totals["turn_share"] == 0.25
    assert got["participants_per_call"] == [{"participants": 1, "calls": 1}, {"participants": 2, "calls": 2},
                                            {"participants": 4, "calls": 1}]
    assert totals["participants_avg"] == 2.25
    # A 2 + B 2 + C 4 + D 1 let in, then the moderator's in C failed; alice refused, bob's camera.
    assert (totals["join_attempts"], totals["join_successes"]) == (11, 8)
    assert totals["join_success_rate"] == round(8 / 11, 4)
    assert sorted((r["reason"], r["count"]) for r in got["join_failure_reasons"]) == [
        ("ice_failed", 1), ("media_denied", 1), ("permission_denied", 1)]
    # Per participation: RTT 50, 30, 450 ms; loss 0.5, 0, 1 %.
    assert totals["rtt_avg_ms"] == pytest.approx(530 / 3)
    assert totals["rtt_p95_ms"] == pytest.approx(50 + 0.9 * 400)
    assert totals["loss_avg_pct"] == pytest.approx(0.5)
    assert totals["loss_p95_pct"] == pytest.approx(0.95)
    grades = [p["quality"] for c in calls for p in c["participants"]]
    assert got["quality"] == {"good": grades.count("good"), "fair": grades.count("fair"), "poor": grades.count("poor"),
                              "unknown": grades.count(None)}
    assert got["quality"]["unknown"] == 3 and sum(got["quality"].values()) == 9
    assert len(got["days"]) in (30, 31)  # every day of the default range, today included
    today = [d for d in got["days"] if d["calls"]]
    assert sum(d["calls"] for d in today) == 4 and sum(d["relayed_calls"] for d in today) == 1
    assert sum(d["join_attempts"] for d in got["days"]) == 11 and sum(d["join_failures"] for d in got["days"]) == 3
    # alice does not see the backroom's call nor the owner's join there.
    mine = s.get(s.alice, "/analytics").json()["totals"]
    assert (mine["calls"], mine["join_attempts"], mine["join_successes"]) == (3, 10, 7)
    assert mine["turn_share"] == round(1 / 3, 4)
    only_stage = s.get(s.group.owner, "/analytics", channel_id=s.stage).json()["totals"]
    assert (only_stage["calls"], only_stage["join_attempts"], only_stage["join_success_rate"]) == (0, 1, 0.0)


def _export(s: Scenario, who: Any, **params: Any) -> dict[str, Any]:
    with who.api.http.stream("GET", f"/api/groups/{s.group.id}/export", params=params) as response:
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].startswith("application/json")
        assert response.headers.get("transfer-encoding") == "chunked"
        disposition = response.headers["content-disposition"]
        assert disposition.startswith('attachment; filename="peershare-') and disposition.endswith('.json"')
        document: dict[str, Any] = json.loads(response.read())
    return document


def test_the_export_is_the_group_for_moderators_and_my_part_for_members(scenario: Scenario) -> None:
    s = scenario
    owner = s.group.owner
    text = s.group.text_channel_id
    schema = json.loads(codegen.GROUP_EXPORT_SCHEMA.read_text())
    validator = jsonschema.Draft202012Validator(schema)

    whole = _export(s, owner)
    validator.validate(whole)
    assert whole["format"] == "peershare.group-export/1" and whole["group"]["id"] == s.group.id
    assert "messages" not in whole
    assert [c["id"] for c in whole["calls"]] == list(reversed(s.calls))
    assert whole["calls"] == _calls(s, owner)
    assert sorted(m["user_id"] for m in whole["members"]) == sorted(
        [owner.id, s.group.moderator.id, s.alice.id, s.bob.id])
    assert {c["id"] for c in whole["channels"]} >= {s.lounge, s.stage, s.backroom, text}

    bobs = _export(s, s.bob, messages="true")
    validator.validate(bobs)
    assert [c["id"] for c in bobs["calls"]] == [s.calls[2]]
    assert [m["user_id"] for m in bobs["members"]] == [s.bob.id]
    assert s.backroom not in {c["id"] for c in bobs["channels"]} and s.lounge in {c["id"] for c in bobs["channels"]}
    assert [(m["channel_id"], m["author_id"], m["body"], m["deleted"]) for m in bobs["messages"]] == [
        (text, owner.id, "hello history", False)]

    # An invalid document fails the schema: the check can fail.
    broken = dict(whole, calls=[dict(whole["calls"][0], relayed="yes")])
    with pytest.raises(jsonschema.ValidationError):
        validator.validate(broken)


def test_the_calls_csv_matches_the_history(scenario: Scenario) -> None:
    s = scenario
    response = s.get(s.group.owner, "/calls.csv")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert list(rows[0]) == ["call_id", "channel", "started_at", "ended_at", "duration_s", "participants",
                             "p2p_seconds", "sfu_seconds", "relayed", "screen_shared", "join_failures", "rtt_avg_ms",
                             "loss_avg_pct"]
    a, b, c, d = s.calls
    assert [r["call_id"] for r in rows] == [d, c, b, a]
    by_id = {r["call_id"]: r for r in rows}
    assert [by_id[x]["participants"] for x in (a, b, c, d)] == ["2", "2", "4", "1"]
    assert [by_id[x]["relayed"] for x in (a, b, c, d)] == ["false", "true", "false", "false"]
    assert [by_id[x]["join_failures"] for x in (a, b, c, d)] == ["0", "0", "1", "0"]
    assert (by_id[a]["rtt_avg_ms"], by_id[a]["loss_avg_pct"]) == ("40.0", "0.25")
    assert by_id[d]["rtt_avg_ms"] == ""
    mine = list(csv.DictReader(io.StringIO(s.get(s.bob, "/calls.csv").text)))
    assert [r["call_id"] for r in mine] == [c]


def test_activity_lists_what_happened_newest_first_with_paging(scenario: Scenario) -> None:
    s = scenario
    everything = s.get(s.group.owner, "/activity", limit=100).json()
    assert everything["next"] is None
    events = everything["events"]
    kinds = [e["kind"] for e in events]
    assert kinds.count("call_started") == 4 and kinds.count("member_joined") == 3
    assert kinds.count("role_changed") == 1 and kinds.count("channel_created") == 2
    assert kinds.count("invite_used") == 3
    newest = events[0]
    assert (newest["kind"], newest["channel_name"], newest["actor_id"]) == ("call_started", "backroom", s.group.owner.id)
    role = next(e for e in events if e["kind"] == "role_changed")
    assert (role["subject_id"], role["detail"], role["subject_name"]) == (
        s.group.moderator.id, "moderator", s.group.moderator.username)
    paged, cursor = [], None
    while True:
        page = s.get(s.group.owner, "/activity", limit=3, **({"before": cursor} if cursor else {})).json()
        paged += page["events"]
        cursor = page["next"]
        if cursor is None:
            break
    assert paged == events
    only_calls = s.get(s.group.owner, "/activity", kind="call_started").json()["events"]
    assert [e["id"] for e in only_calls] == [e["id"] for e in events if e["kind"] == "call_started"]


def test_metrics_and_the_stats_command_count_the_calls(scenario: Scenario) -> None:
    s = scenario
    text = httpx.get(f"{s.node.url}/metrics").text
    assert sample(text, "peershare_calls_ended_total") == 4
    assert sample(text, "peershare_calls_relayed_total") == 1
    # Let in: A 2, B 2, C 4, D 1; failures counted where they were refused or reported.
    assert sample(text, "peershare_call_joins_total", '{result="success"}') == 9
    for reason in ("ice_failed", "media_denied", "permission_denied"):
        assert sample(text, "peershare_call_joins_total", f'{{result="failure",reason="{reason}"}}') == 1
    minutes = s.get(s.group.owner, "/analytics").json()["totals"]["call_minutes"]
    assert sample(text, "peershare_call_minutes_total") == pytest.approx(minutes, abs=0.01)
    settings = s.node.settings
    env = {**os.environ, "DATABASE_URL": str(settings.database_url), "DATABASE_SCHEMA": settings.database_schema,
           "PEERSHARE_DATA": str(settings.data_dir), "PYTHONPATH": os.getcwd()}
    done = subprocess.run([sys.executable, "-m", "control", "stats", "--since", "1", "--json"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    stats = json.loads(done.stdout)
    # The deployment's day: this module's calls and whatever other tests of the session made.
    assert stats["calls"] >= 4 and stats["relayed_calls"] >= 1 and stats["join_attempts"] >= 11
    gauges = httpx.get(f"{s.node.url}/metrics").text
    assert sample(gauges, "peershare_turn_share_24h") == pytest.approx(stats["turn_share"], abs=1e-3)
    assert sample(gauges, "peershare_join_success_rate_24h") == pytest.approx(stats["join_success_rate"], abs=1e-3)
    text_form = subprocess.run([sys.executable, "-m", "control", "stats"], env=env, capture_output=True, text=True,
                               timeout=60)
    assert text_form.returncode == 0 and "relayed by TURN" in text_form.stdout
    refused = subprocess.run([sys.executable, "-m", "control", "stats", "--since", "0"], env=env,
                             capture_output=True, text=True, timeout=60)
    assert refused.returncode == 2 and "--since" in refused.stderr


async def test_report_join_failure_is_checked_like_joining(api: Api, server: RunningServer) -> None:
    """Only for a voice channel whose calls the sender may join, with a known reason, for a call
    of that channel, and no more often than joins."""
    group = make_group_with_members(api, n=1)
    owner = group.owner.api
    stage = owner.post(f"/api/groups/{group.id}/channels", {
        "name": "stage", "kind": "voice", "overrides": {"member": {"join_call": False}}}).json()["id"]
    hidden = owner.post(f"/api/groups/{group.id}/channels", {
        "name": "hidden", "kind": "voice", "overrides": {"member": {"view": False}}}).json()["id"]
    other = make_group_with_members(api, n=0)
    lounge = voice_channel(group)
    member = await WsClient.connect(server.url, group.members[0].tokens["access_token"])
    stranger = await WsClient.connect(server.url, other.owner.tokens["access_token"])
    host = await WsClient.connect(server.url, other.owner.tokens["access_token"])
    try:
        elsewhere = await host.ok("join_call", channel_id=voice_channel(other))
        await host.ok("leave_call")
        refusals = {
            "stage": (await member.request("report_join_failure", channel_id=stage, reason="ice_failed"))["code"],
            "hidden": (await member.request("report_join_failure", channel_id=hidden, reason="ice_failed"))["code"],
            "text": (await member.request("report_join_failure", channel_id=group.text_channel_id,
                                          reason="timeout"))["code"],
            "outsider": (await stranger.request("report_join_failure", channel_id=lounge, reason="other"))["code"],
            "reason": (await member.request("report_join_failure", channel_id=lounge, reason="bored"))["code"],
            "detail": (await member.request("report_join_failure", channel_id=lounge, reason="other",
                                            detail="x" * 201))["code"],
            "call": (await member.request("report_join_failure", channel_id=lounge, reason="ice_failed",
                                          call_id=elsewhere["call_id"]))["code"],
        }
        assert refusals == {"stage": "permission_denied", "hidden": "channel_not_found", "text": "not_a_voice_channel",
                            "outsider": "channel_not_found", "reason": "invalid_frame", "detail": "invalid_frame",
                            "call": "call_not_found"}
        # The member's four refused reports above (stage, hidden, text, call) count too.
        allowed = server.settings.join_rate - 4
        for _ in range(allowed):
            await member.ok("report_join_failure", channel_id=lounge, reason="worker_error")
        limited = await member.request("report_join_failure", channel_id=lounge, reason="worker_error")
        assert limited["code"] == "rate_limited"
    finally:
        for ws in (member, stranger, host):
            await ws.close()
    totals = owner.get(f"/api/groups/{group.id}/analytics").json()
    assert totals["join_failure_reasons"] == [{"reason": "worker_error", "count": allowed}]
    assert (totals["totals"]["join_attempts"], totals["totals"]["join_success_rate"]) == (allowed, 0.0)


def test_bad_query_parameters_are_clear_errors(api: Api) -> None:
    group = make_group_with_members(api, n=0)
    other = make_group_with_members(api, n=0)
    owner = group.owner.api
    base = f"/api/groups/{group.id}"
    cases = [
        ("/calls", {"limit": "0"}, 422, "invalid_body"),
        ("/calls", {"limit": "101"}, 422, "invalid_body"),
        ("/calls", {"limit": "1.5"}, 422, "invalid_body"),
        ("/calls", {"since": "yesterday"}, 422, "invalid_body"),
        ("/calls", {"before": "not-a-cursor"}, 400, "invalid_cursor"),
        ("/calls", {"since": "2026-02-01T00:00:00Z", "until": "2026-01-01T00:00:00Z"}, 400, "invalid_range"),
        ("/calls", {"channel_id": voice_channel(other)}, 404, "channel_not_found"),
        ("/calls", {"participant_id": "me"}, 422, "invalid_body"),
        ("/calls", {"surprise": "1"}, 422, "invalid_body"),
        ("/activity", {"kind": "party"}, 422, "invalid_body"),
        ("/activity", {"before": "-1"}, 400, "invalid_cursor"),
        ("/analytics", {"since": "2020-01-01T00:00:00Z", "until": "2026-01-01T00:00:00Z"}, 400, "range_too_long"),
        # A time without a zone is UTC; a `since` in the future with `until` now is an empty range.
        ("/analytics", {"since": "2999-01-01T00:00:00"}, 400, "invalid_range"),
        ("/export", {"messages": "yes"}, 422, "invalid_body"),
        ("/calls.csv", {"until": "0000-01-01"}, 422, "invalid_body"),
        # Years so far off that shifting them to UTC, or 30 days back, would overflow.
        ("/analytics", {"until": "0001-01-05T00:00:00Z"}, 422, "invalid_body"),
        ("/calls", {"until": "9999-12-31T23:00:00-05:00"}, 422, "invalid_body"),
        ("/calls.csv", {"since": "0001-01-01T00:00:00+01:00"}, 422, "invalid_body"),
    ]
    for path, params, status, code in cases:
        response = owner.get(base + path, params=params)
        assert (response.status_code, response.json()["error"]["code"]) == (status, code), (path, params)
    naive = owner.get(base + "/calls", params={"since": "2000-01-01T00:00:00"})
    assert naive.status_code == 200 and naive.json() == {"calls": [], "next": None}


def test_activity_records_membership_changes_and_hides_deleted_channels_from_members(api: Api) -> None:
    group = make_group_with_members(api, n=3)
    owner = group.owner.api
    leaver, removed, banned = group.members
    assert leaver.api.delete(f"/api/groups/{group.id}/members/{leaver.id}").status_code == 204
    assert owner.delete(f"/api/groups/{group.id}/members/{removed.id}").status_code == 204
    assert owner.post(f"/api/groups/{group.id}/bans", {"user_id": banned.id, "reason": "spam"}).status_code == 201
    secret = owner.post(f"/api/groups/{group.id}/channels", {"name": "secret", "kind": "text"}).json()["id"]
    assert owner.delete(f"/api/channels/{secret}").status_code == 204
    invite = owner.post(f"/api/groups/{group.id}/invites", {"role": "member"}).json()
    events = owner.get(f"/api/groups/{group.id}/activity", params={"limit": 100}).json()["events"]
    newest = [(e["kind"], e["actor_id"], e["subject_id"], e["channel_id"], e["channel_name"], e["detail"])
              for e in events[:6]]
    assert newest == [
        ("invite_created", group.owner.id, None, None, None, f"{invite['code'][:6]}… (member)"),
        ("channel_deleted", group.owner.id, None, secret, "secret", "text"),
        ("channel_created", group.owner.id, None, secret, "secret", "text"),
        ("member_banned", group.owner.id, banned.id, None, None, "spam"),
        ("member_removed", group.owner.id, removed.id, None, None, ""),
        ("member_left", leaver.id, leaver.id, None, None, ""),
    ]
    # The deleted channel's permissions went with it: only those who manage channels see its events.
    moderators = group.moderator.api.get(f"/api/groups/{group.id}/activity", params={"limit": 100}).json()["events"]
    assert [e["kind"] for e in moderators][:3] == ["invite_created", "channel_deleted", "channel_created"]
    member = make_member(api, group)
    theirs = member.api.get(f"/api/groups/{group.id}/activity", params={"limit": 100}).json()["events"]
    assert secret not in {e["channel_id"] for e in theirs}
    assert theirs[0]["kind"] == "member_joined" and theirs[0]["subject_id"] == member.id


def test_bans_and_invites_show_only_to_those_who_handle_them_and_pages_stay_bounded(api: Api) -> None:
    group = make_group_with_members(api, n=1)
    owner = group.owner.api
    [banned] = group.members
    assert owner.post(f"/api/groups/{group.id}/bans", {"user_id": banned.id, "reason": "private reason"}
                      ).status_code == 201
    guest = api.as_token(join_as_guest(api, group.owner, group.id)["access_token"])
    # Far more hidden events than a page: the guest's page is still one read, and the cursor goes on.
    for _ in range(40):
        assert owner.post(f"/api/groups/{group.id}/invites", {"role": "member"}).status_code == 201

    def feed(who: Api, limit: int) -> list[dict[str, Any]]:
        seen, cursor = [], None
        while True:
            response = who.get(f"/api/groups/{group.id}/activity",
                               params={"limit": limit, **({"before": cursor} if cursor else {})})
            assert response.status_code == 200, response.text
            page = response.json()
            assert len(page["events"]) <= limit
            seen += page["events"]
            if (cursor := page["next"]) is None:
                return seen

    restricted = {"member_banned", "invite_created", "invite_used"}
    guests = feed(guest, 2)
    assert guests and not restricted & {e["kind"] for e in guests}
    assert "private reason" not in json.dumps(guests)
    moderators = [e["kind"] for e in feed(group.moderator.api, 50)]
    assert moderators.count("invite_created") > 40 and moderators.count("member_banned") == 1
    assert "invite_used" in moderators
    ban = next(e for e in feed(owner, 100) if e["kind"] == "member_banned")
    assert (ban["subject_id"], ban["detail"]) == (banned.id, "private reason")


def make_member(api: Api, group: GroupWithMembers) -> Any:
    member = register_user(api)
    join_with_invite(member, group.owner, group.id)
    return member


async def test_people_whose_accounts_are_gone_still_count_one_each(api: Api, server: RunningServer) -> None:
    group = make_group_with_members(api, n=2)
    voice = voice_channel(group)
    sockets = [await WsClient.connect(server.url, who.tokens["access_token"])
               for who in (group.owner, *group.members)]
    try:
        for ws in sockets:
            await ws.ok("join_call", channel_id=voice)
        for ws in sockets:
            await ws.ok("leave_call")
    finally:
        for ws in sockets:
            await ws.close()
    # As deleting both accounts leaves them.
    async with server_db(server) as conn:
        gone = await conn.execute("UPDATE call_participants SET user_id = NULL WHERE user_id = ANY($1::uuid[])",
                                  [m.id for m in group.members])
    assert gone == "UPDATE 2"
    owner = group.owner.api
    analytics = owner.get(f"/api/groups/{group.id}/analytics").json()
    assert analytics["participants_per_call"] == [{"participants": 3, "calls": 1}]
    [row] = list(csv.DictReader(io.StringIO(owner.get(f"/api/groups/{group.id}/calls.csv").text)))
    assert row["participants"] == "3"


async def test_failure_reports_mark_only_a_recent_join_and_count_once_per_call(api: Api, server: RunningServer
                                                                                ) -> None:
    group = make_group_with_members(api, n=2)
    lounge = voice_channel(group)
    owner, alice, bob = group.owner, *group.members
    sockets = {who.id: await WsClient.connect(server.url, who.tokens["access_token"]) for who in (owner, alice, bob)}

    async def attempts(conn: Any, who: Any) -> list[tuple[bool, str | None]]:
        rows = await conn.fetch("SELECT ok, reason FROM call_join_attempts WHERE user_id = $1 ORDER BY id",
                                uuid.UUID(who.id))
        return [(r["ok"], r["reason"]) for r in rows]

    try:
        async with server_db(server) as conn:
            # Named call, just joined: that join failed; told again, still one failure.
            call_id = (await sockets[alice.id].ok("join_call", channel_id=lounge))["call_id"]
            for _ in range(3):
                await sockets[alice.id].ok("report_join_failure", channel_id=lounge, call_id=call_id,
                                           reason="ice_failed")
            assert await attempts(conn, alice) == [(False, "ice_failed")]
            # A join long past is not the one a report is about: the report is a failure of its own, once.
            await sockets[bob.id].ok("join_call", channel_id=lounge)
            await conn.execute("UPDATE call_join_attempts SET at = at - interval '3 minutes' WHERE user_id = $1",
                               uuid.UUID(bob.id))
            for _ in range(2):
                await sockets[bob.id].ok("report_join_failure", channel_id=lounge, call_id=call_id, reason="timeout")
            assert await attempts(conn, bob) == [(True, None), (False, "timeout")]
            # No call named: the join made in the channel just before is the one that failed.
            await sockets[owner.id].ok("join_call", channel_id=lounge)
            await sockets[owner.id].ok("report_join_failure", channel_id=lounge, reason="media_denied")
            assert await attempts(conn, owner) == [(False, "media_denied")]
            # A join the person then left of their own accord went well: the report is another attempt.
            await sockets[owner.id].ok("leave_call")
            await sockets[owner.id].ok("join_call", channel_id=lounge)
            await sockets[owner.id].ok("leave_call")
            await sockets[owner.id].ok("report_join_failure", channel_id=lounge, reason="media_denied")
            assert await attempts(conn, owner) == [(False, "media_denied"), (True, None), (False, "media_denied")]
    finally:
        for ws in sockets.values():
            await ws.close()
