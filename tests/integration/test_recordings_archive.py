"""The recordings archive against real nodes over real HTTP: search and paging, who sees what,
rename and delete, play links (ranges, expiry, tampering, rights re-checked at every use), the S3
path against a real S3-compatible server (moto, over HTTP), retention, and the operators' CLI."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import subprocess
import sys
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Iterator
from urllib.parse import parse_qs, urlparse

import asyncpg
import boto3
import httpx
import pytest

from control.recording.archive import Archive
from control.recording.links import MediaLinks
from control.recording.retention import RETENTION_LOCK_KEY, Retention
from control.settings import Settings
from tests.support.api import Api, GroupWithMembers, User, join_as_guest, make_group_with_members, register_user
from tests.support.recordings import Participant, file_recording, make_mp4, recording_row, stored_size, with_archive
from tests.support.server import RunningServer


@pytest.fixture(scope="module")
def mp4(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_mp4(tmp_path_factory.mktemp("media") / "call.mp4")


@pytest.fixture
def group(api: Api) -> GroupWithMembers:
    return make_group_with_members(api, n=2)


def voice_channel(group: GroupWithMembers) -> str:
    return str(next(c["id"] for c in group.body["channels"] if c["kind"] == "voice"))


def record(server: RunningServer, group: GroupWithMembers, source: Path, **kw: Any) -> str:
    kw.setdefault("channel_id", voice_channel(group))
    return file_recording(server.settings, group_id=group.id, started_by=group.moderator.id, source=source, **kw)


def link_of(user: User, recording_id: str) -> str:
    response = user.api.post(f"/api/recordings/{recording_id}/link")
    assert response.status_code == 200, response.text
    body = response.json()
    expires = datetime.fromisoformat(body["expires_at"])
    assert timedelta(minutes=14) < expires - datetime.now(timezone.utc) <= timedelta(minutes=15)
    return str(body["url"])


def titles(page: dict[str, Any]) -> list[str]:
    return [r["title"] for r in page["recordings"]]


# --- search, visibility, rename, delete ---------------------------------------------------------


def test_members_search_by_title_date_participant_and_channel_newest_first_in_cursor_pages(
        server: RunningServer, group: GroupWithMembers, mp4: Path) -> None:
    member, other = group.members
    voice = voice_channel(group)
    second = group.owner.api.post(f"/api/groups/{group.id}/channels", {"name": "Standup", "kind": "voice"}).json()["id"]
    base = datetime(2024, 5, 1, 12, tzinfo=timezone.utc)
    for day, title, channel, people in [
        (0, "Planning kickoff", voice, (Participant(member.id, "Mem"),)),
        (1, "Design review", voice, (Participant(other.id, "Oth", "declined"),)),
        (2, "Planning follow-up", second, (Participant(member.id, "Mem"), Participant(other.id, "Oth"))),
        (3, "Retro", second, ()),
        (4, "planning wrap-up", voice, ()),
    ]:
        record(server, group, mp4, title=title, channel_id=channel, participants=people,
               started_at=base + timedelta(days=day))
    url = f"/api/groups/{group.id}/recordings"
    everything = member.api.get(url).json()
    assert titles(everything) == ["planning wrap-up", "Retro", "Planning follow-up", "Design review", "Planning kickoff"]
    assert everything["next_cursor"] is None
    first = everything["recordings"][3]
    assert first["state"] == "ready" and first["size_bytes"] == mp4.stat().st_size and first["duration_s"] == 2.0
    assert [(p["user_id"], p["consent"]) for p in first["participants"]] == [(other.id, "declined")]
    assert first["quality"] == {"resolution": "720p", "fps": 30, "video_bitrate": 2_500_000}

    assert titles(member.api.get(url, params={"q": "PLANNING"}).json()) == [
        "planning wrap-up", "Planning follow-up", "Planning kickoff"]
    assert titles(member.api.get(url, params={"participant": member.id}).json()) == [
        "Planning follow-up", "Planning kickoff"]
    assert titles(member.api.get(url, params={"channel_id": second}).json()) == ["Retro", "Planning follow-up"]
    window = {"started_from": (base + timedelta(days=1)).isoformat(), "started_to": (base + timedelta(days=3)).isoformat()}
    assert titles(member.api.get(url, params=window).json()) == ["Planning follow-up", "Design review"]
    assert titles(member.api.get(url, params={"q": "planning", "channel_id": voice}).json()) == [
        "planning wrap-up", "Planning kickoff"]

    seen, cursor = [], None
    while True:
        page = member.api.get(url, params={"limit": 2, **({"cursor": cursor} if cursor else {})}).json()
        seen.append(titles(page))
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [["planning wrap-up", "Retro"], ["Planning follow-up", "Design review"], ["Planning kickoff"]]
    bad = member.api.get(url, params={"cursor": "not-a-cursor"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_cursor"


def test_a_recording_follows_its_channels_visibility_and_outlives_a_deleted_channel_for_moderators(
        server: RunningServer, group: GroupWithMembers, mp4: Path) -> None:
    member = group.members[0]
    hidden = group.owner.api.post(f"/api/groups/{group.id}/channels", {
        "name": "Staff", "kind": "voice", "overrides": {"member": {"view": False}}}).json()["id"]
    doomed = group.owner.api.post(f"/api/groups/{group.id}/channels", {"name": "Temp", "kind": "voice"}).json()["id"]
    staff = record(server, group, mp4, title="Staff call", channel_id=hidden)
    orphan = record(server, group, mp4, title="Temp call", channel_id=doomed)
    url = f"/api/groups/{group.id}/recordings"
    assert titles(member.api.get(url).json()) == ["Temp call"]
    assert member.api.get(f"/api/recordings/{staff}").status_code == 404
    assert member.api.post(f"/api/recordings/{staff}/link").status_code == 404
    assert titles(group.moderator.api.get(url).json()) == ["Temp call", "Staff call"]

    assert group.owner.api.delete(f"/api/channels/{doomed}").status_code == 204
    assert titles(member.api.get(url).json()) == []
    assert member.api.get(f"/api/recordings/{orphan}").status_code == 404
    kept = group.moderator.api.get(f"/api/recordings/{orphan}")
    assert kept.status_code == 200 and kept.json()["channel_id"] is None
    assert titles(group.moderator.api.get(url).json()) == ["Temp call", "Staff call"]


def test_guests_outsiders_and_removed_members_never_see_the_archive(
        api: Api, server: RunningServer, group: GroupWithMembers, mp4: Path) -> None:
    recording = record(server, group, mp4)
    guest = api.as_token(join_as_guest(api, group.owner, group.id)["access_token"])
    outsider = register_user(api)
    removed = group.members[1]
    assert group.moderator.api.delete(f"/api/groups/{group.id}/members/{removed.id}").status_code == 204
    url = f"/api/groups/{group.id}/recordings"
    listed = guest.get(url)
    assert listed.status_code == 403 and listed.json()["error"]["code"] == "guest_account"
    for who in (outsider.api, removed.api):
        assert who.get(url).json()["error"]["code"] == "group_not_found"
    for who in (guest, outsider.api, removed.api):
        for method, path in (("GET", ""), ("POST", "/link"), ("PATCH", ""), ("DELETE", "")):
            body = {"title": "mine"} if method == "PATCH" else None
            answer = who.request(method, f"/api/recordings/{recording}{path}", json=body)
            assert (answer.status_code, answer.json()["error"]["code"]) == (404, "recording_not_found"), (method, path)


def test_moderators_rename_and_delete_recordings_and_members_may_not(
        server: RunningServer, group: GroupWithMembers, mp4: Path) -> None:
    recording = record(server, group, mp4, title="Old name")
    member = group.members[0]
    refused = member.api.patch(f"/api/recordings/{recording}", {"title": "Mine now"})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "permission_denied"
    assert member.api.delete(f"/api/recordings/{recording}").status_code == 403
    renamed = group.moderator.api.patch(f"/api/recordings/{recording}", {"title": "  Launch review  "})
    assert renamed.status_code == 200 and renamed.json()["title"] == "Launch review"
    assert member.api.get(f"/api/recordings/{recording}").json()["title"] == "Launch review"
    assert group.moderator.api.patch(f"/api/recordings/{recording}", {"title": ""}).status_code == 422

    row = recording_row(server.settings, recording)
    assert row is not None and stored_size(server.settings, row["storage_key"]) == mp4.stat().st_size
    assert group.owner.api.delete(f"/api/recordings/{recording}").status_code == 204
    assert recording_row(server.settings, recording) is None
    assert stored_size(server.settings, row["storage_key"]) is None
    assert group.owner.api.get(f"/api/recordings/{recording}").status_code == 404


def test_a_recording_in_progress_cannot_be_linked_or_deleted(server: RunningServer, group: GroupWithMembers) -> None:
    async def start(archive: Archive) -> str:
        row = await archive.begin(group_id=uuid.UUID(group.id), channel_id=uuid.UUID(voice_channel(group)),
                                  call_id=None, title="Live", started_by=uuid.UUID(group.moderator.id), node="n1")
        return str(row.id)

    recording = with_archive(server.settings, start)
    listed = group.members[0].api.get(f"/api/groups/{group.id}/recordings").json()["recordings"]
    assert [(r["id"], r["state"]) for r in listed] == [(recording, "recording")]
    assert group.members[0].api.post(f"/api/recordings/{recording}/link").json()["error"]["code"] == "recording_not_ready"
    deleting = group.owner.api.delete(f"/api/recordings/{recording}")
    assert deleting.status_code == 409 and deleting.json()["error"]["code"] == "recording_in_progress"


def test_owners_set_the_groups_recording_quality_and_retention_and_new_recordings_use_it(
        server: RunningServer, group: GroupWithMembers, mp4: Path) -> None:
    url = f"/api/groups/{group.id}"
    quality = {"resolution": "1080p", "fps": 24, "video_bitrate": 4_000_000}
    changed = group.owner.api.patch(url, {"recording_quality": quality, "recording_retention_days": 30})
    assert changed.status_code == 200, changed.text
    assert (changed.json()["recording_quality"], changed.json()["recording_retention_days"]) == (quality, 30)
    assert group.moderator.api.patch(url, {"recording_retention_days": 1}).status_code == 403
    for bad in ({"recording_quality": {**quality, "fps": 60}}, {"recording_quality": {**quality, "resolution": "4k"}},
                {"recording_quality": {**quality, "video_bitrate": 100}}, {"recording_retention_days": -1}):
        assert group.owner.api.patch(url, bad).status_code == 422, bad
    recording = record(server, group, mp4)
    assert group.members[0].api.get(f"/api/recordings/{recording}").json()["quality"] == quality
    assert group.owner.api.patch(url, {"recording_retention_days": 0}).json()["recording_retention_days"] is None


# --- links --------------------------------------------------------------------------------------


def test_a_link_plays_the_whole_file_and_exact_byte_ranges(server: RunningServer, group: GroupWithMembers,
                                                           mp4: Path) -> None:
    recording = record(server, group, mp4)
    url = link_of(group.members[0], recording)
    assert url.startswith(f"{server.url}/api/recordings/{recording}/media?token=")
    data = mp4.read_bytes()
    with httpx.Client() as player:  # a browser's player: no bearer token, only the link
        whole = player.get(url)
        assert whole.status_code == 200 and whole.content == data
        assert whole.headers["content-type"] == "video/mp4" and whole.headers["accept-ranges"] == "bytes"
        part = player.get(url, headers={"Range": "bytes=100-1099"})
        assert part.status_code == 206 and part.content == data[100:1100]
        assert part.headers["content-range"] == f"bytes 100-1099/{len(data)}"
        assert part.headers["content-length"] == "1000"
        tail = player.get(url, headers={"Range": "bytes=-500"})
        assert tail.status_code == 206 and tail.content == data[-500:]
        rest = player.get(url, headers={"Range": f"bytes={len(data) - 10}-"})
        assert rest.status_code == 206 and rest.content == data[-10:]
        beyond = player.get(url, headers={"Range": f"bytes={len(data)}-"})
        assert beyond.status_code == 416 and beyond.json()["error"]["code"] == "range_not_satisfiable"


def test_expired_tampered_and_misdirected_links_are_refused(server: RunningServer, group: GroupWithMembers,
                                                            mp4: Path) -> None:
    recording, other = record(server, group, mp4), record(server, group, mp4)
    member = group.members[0]
    token = parse_qs(urlparse(link_of(member, recording)).query)["token"][0]
    media = f"{server.url}/api/recordings/{{}}/media"
    with httpx.Client() as player:
        assert player.get(media.format(recording), params={"token": token}).status_code == 200
        payload, signature = token.split(".")
        for forged in (payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB") + "." + signature,
                       payload + "." + signature[::-1], "garbage", payload):
            refused = player.get(media.format(recording), params={"token": forged})
            assert (refused.status_code, refused.json()["error"]["code"]) == (403, "invalid_link"), forged
        elsewhere = player.get(media.format(other), params={"token": token})
        assert (elsewhere.status_code, elsewhere.json()["error"]["code"]) == (403, "invalid_link")
        # The node's own key, minting a link that ended a second ago.
        grant = MediaLinks(server.settings.jwt_secret).verify(token, uuid.UUID(recording))
        expired, _ = MediaLinks(server.settings.jwt_secret).mint(grant.recording_id, grant.user_id,
                                                                 grant.sign_in_id, ttl_s=-1)
        gone = player.get(media.format(recording), params={"token": expired})
        assert (gone.status_code, gone.json()["error"]["code"]) == (410, "link_expired")
        assert player.get(media.format(recording)).status_code == 422


@pytest.mark.parametrize("change", ["removal", "ban", "channel_hidden", "channel_deleted", "logout", "recording_deleted",
                                    "group_deleted"])
def test_a_link_stops_working_the_moment_its_person_may_no_longer_see_the_recording(
        api: Api, server: RunningServer, group: GroupWithMembers, mp4: Path, change: str) -> None:
    member, bystander = group.members
    channel = voice_channel(group)
    recording = record(server, group, mp4)
    url, kept = link_of(member, recording), link_of(bystander, recording)
    with httpx.Client() as player:
        assert player.get(url, headers={"Range": "bytes=0-9"}).status_code == 206
        if change == "removal":
            assert group.moderator.api.delete(f"/api/groups/{group.id}/members/{member.id}").status_code == 204
        elif change == "ban":
            assert group.moderator.api.post(f"/api/groups/{group.id}/bans", {"user_id": member.id}).status_code == 201
        elif change == "channel_hidden":
            overrides = {"member": {"view": False}}
            assert group.owner.api.patch(f"/api/channels/{channel}", {"overrides": overrides}).status_code == 200
        elif change == "channel_deleted":
            assert group.owner.api.delete(f"/api/channels/{channel}").status_code == 204
        elif change == "logout":
            assert member.api.post("/api/auth/logout", {"refresh_token": member.tokens["refresh_token"]}).status_code == 204
        elif change == "group_deleted":
            key = recording_row(server.settings, recording)["storage_key"]  # type: ignore[index]
            assert group.owner.api.delete(f"/api/groups/{group.id}").status_code == 204
            assert stored_size(server.settings, key) is None  # the files go with the group
        else:
            assert group.moderator.api.delete(f"/api/recordings/{recording}").status_code == 204
        cut = player.get(url, headers={"Range": "bytes=0-9"})
        gone = change in ("recording_deleted", "group_deleted")
        expected = (404, "recording_not_found") if gone else (403, "link_revoked")
        assert (cut.status_code, cut.json()["error"]["code"]) == expected
        # Someone the change did not touch keeps playing (unless the recording is gone or, for
        # members, hidden with its channel).
        still = player.get(kept, headers={"Range": "bytes=0-9"}).status_code
        assert still == (206 if change in ("removal", "ban", "logout") else expected[0])


# --- S3 -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def s3() -> Iterator[dict[str, Any]]:
    """A real S3-compatible HTTP server (moto) on a free loopback port, with a bucket."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    settings = {"s3_endpoint": f"http://{host}:{port}", "s3_bucket": f"rec-{secrets.token_hex(4)}",
                "s3_access_key": "testing", "s3_secret_key": "testing", "s3_region": "us-east-1"}
    client = boto3.client("s3", endpoint_url=settings["s3_endpoint"], aws_access_key_id="testing",
                          aws_secret_access_key="testing", region_name="us-east-1")
    client.create_bucket(Bucket=settings["s3_bucket"])
    yield {"settings": settings, "client": client}
    server.stop()


def test_with_s3_a_big_recording_is_uploaded_in_parts_and_its_link_redirects_to_a_presigned_url(
        server_factory: Callable[..., RunningServer], s3: dict[str, Any], tmp_path: Path) -> None:
    node = server_factory(**s3["settings"])
    group = make_group_with_members(Api(node.url), n=1)
    big = tmp_path / "big.mp4"
    big.write_bytes(os.urandom(6 * 1024 * 1024 + 12345))
    recording = record(node, group, big)
    row = recording_row(node.settings, recording)
    assert row is not None and row["storage_key"] == f"group/{group.id}/recordings/{recording}.mp4"
    head = s3["client"].head_object(Bucket=s3["settings"]["s3_bucket"], Key=row["storage_key"])
    assert head["ContentLength"] == big.stat().st_size and head["ETag"].strip('"').endswith("-2")  # two parts

    url = link_of(group.members[0], recording)
    with httpx.Client() as player:
        redirect = player.get(url)
        assert redirect.status_code == 302
        location = redirect.headers["location"]
        assert location.startswith(s3["settings"]["s3_endpoint"]) and "X-Amz-Expires=30" in location
        followed = player.get(url, follow_redirects=True)
        assert followed.status_code == 200 and followed.content == big.read_bytes()

    assert group.moderator.api.delete(f"/api/recordings/{recording}").status_code == 204
    listed = s3["client"].list_objects_v2(Bucket=s3["settings"]["s3_bucket"], Prefix=row["storage_key"])
    assert listed.get("KeyCount", 0) == 0


# --- retention ----------------------------------------------------------------------------------


def _sweep(settings: Settings) -> int | None:
    return with_archive(settings, lambda archive: Retention(archive, 3600).sweep())


def test_retention_deletes_what_is_past_its_groups_days_and_nothing_else_one_node_at_a_time(
        api: Api, server: RunningServer, mp4: Path) -> None:
    short, forever = make_group_with_members(api, n=0), make_group_with_members(api, n=0)
    assert short.owner.api.patch(f"/api/groups/{short.id}", {"recording_retention_days": 7}).status_code == 200
    expired = [record(server, short, mp4, ended_days_ago=days) for days in (8, 30)]
    young = record(server, short, mp4, ended_days_ago=6)
    ancient = record(server, forever, mp4, ended_days_ago=3650)
    keys = {rid: recording_row(server.settings, rid)["storage_key"] for rid in [*expired, young, ancient]}  # type: ignore[index]

    async def hold_the_lock_while_sweeping() -> int | None:
        settings = server.settings
        conn = await asyncpg.connect(settings.database_url)
        try:
            await conn.execute("SELECT pg_advisory_lock($1)", RETENTION_LOCK_KEY)  # another node is sweeping
            return await asyncio.to_thread(_sweep, settings)
        finally:
            await conn.close()

    assert asyncio.run(hold_the_lock_while_sweeping()) is None
    assert all(recording_row(server.settings, rid) is not None for rid in keys)

    assert (_sweep(server.settings) or 0) >= 2
    for rid, key in keys.items():
        gone = rid in expired
        assert (recording_row(server.settings, rid) is None) == gone, rid
        assert (stored_size(server.settings, key) is None) == gone, rid


# --- the operators' CLI -------------------------------------------------------------------------


ROOT = Path(__file__).resolve().parents[2]


def node_env(node: RunningServer, s3: dict[str, Any] | None = None) -> dict[str, str]:
    """The environment an operator's shell has for this node's database, data folder and storage."""
    settings = node.settings
    env = {"DATABASE_URL": str(settings.database_url), "DATABASE_SCHEMA": settings.database_schema,
           "PEERSHARE_DATA": str(settings.data_dir), "JWT_SECRET": settings.jwt_secret, "LOG_LEVEL": "warning"}
    if s3 is not None:
        env |= {"S3_ENDPOINT": s3["s3_endpoint"], "S3_BUCKET": s3["s3_bucket"], "S3_ACCESS_KEY": s3["s3_access_key"],
                "S3_SECRET_KEY": s3["s3_secret_key"]}
    return env


def peershare(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """`peershare ...` as its own process, with no terminal."""
    return subprocess.run([sys.executable, "-m", "control", *args], env={**os.environ, **env, "PYTHONPATH": str(ROOT)},
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)


def test_the_cli_lists_purges_and_exports_a_groups_recordings(api: Api, server: RunningServer, mp4: Path,
                                                            tmp_path: Path) -> None:
    env = node_env(server)
    group = make_group_with_members(api, n=0)
    old = record(server, group, mp4, title="Old", ended_days_ago=40)
    new = record(server, group, mp4, title="New", ended_days_ago=1)
    other = record(server, make_group_with_members(api, n=0), mp4, title="Elsewhere", ended_days_ago=400)

    listed = peershare(env, "recordings", "list", "--group", group.id, "--json")
    assert listed.returncode == 0, listed.stderr
    assert [(r["id"], r["title"], r["size_bytes"]) for r in json.loads(listed.stdout)] == [
        (new, "New", mp4.stat().st_size), (old, "Old", mp4.stat().st_size)]
    table = peershare(env, "recordings", "list").stdout
    assert all(title in table for title in ("New", "Old", "Elsewhere"))

    dest = tmp_path / "export"
    exported = peershare(env, "recordings", "export", "--group", group.id, str(dest))
    assert exported.returncode == 0, exported.stderr
    assert (dest / f"{new}.mp4").read_bytes() == (dest / f"{old}.mp4").read_bytes() == mp4.read_bytes()
    index = json.loads((dest / "recordings.json").read_text())
    assert sorted(r["id"] for r in index) == sorted([new, old]) and "2/2" in exported.stderr

    unconfirmed = peershare(env, "recordings", "purge", "--older-than", "30", "--group", group.id)
    assert unconfirmed.returncode == 1 and "--yes" in unconfirmed.stderr
    assert recording_row(server.settings, old) is not None
    purged = peershare(env, "recordings", "purge", "--older-than", "30", "--group", group.id, "--yes")
    assert purged.returncode == 0 and "deleted 1 recording" in purged.stdout, purged.stderr
    assert recording_row(server.settings, old) is None
    assert recording_row(server.settings, new) is not None and recording_row(server.settings, other) is not None


def test_the_cli_exports_and_purges_with_s3_too(server_factory: Callable[..., RunningServer], s3: dict[str, Any],
                                                mp4: Path, tmp_path: Path) -> None:
    node = server_factory(**s3["settings"])
    env = node_env(node, s3["settings"])
    group = make_group_with_members(Api(node.url), n=0)
    recording = record(node, group, mp4)
    exported = peershare(env, "recordings", "export", "--group", group.id, str(tmp_path))
    assert exported.returncode == 0, exported.stderr
    assert (tmp_path / f"{recording}.mp4").read_bytes() == mp4.read_bytes()
    purged = peershare(env, "recordings", "purge", "--older-than", "0", "--group", group.id, "--yes")
    assert purged.returncode == 0, purged.stderr
    assert recording_row(node.settings, recording) is None
    key = f"group/{group.id}/recordings/{recording}.mp4"
    assert s3["client"].list_objects_v2(Bucket=s3["settings"]["s3_bucket"], Prefix=key).get("KeyCount", 0) == 0
