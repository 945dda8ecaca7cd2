"""`peershare`: the operators' command line. `peershare serve` runs a node; `peershare migrate`
brings the database schema up to date; `peershare user create` makes a local account;
`peershare group list` lists the groups; `peershare recordings list|purge|export` looks after the
recordings archive (in whichever storage the settings name); `peershare stats` sums up the
deployment's calls (minutes, TURN share, join success)."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import sys
import uuid
from typing import TYPE_CHECKING, Any, Awaitable, Callable

from control.settings import Settings

if TYPE_CHECKING:
    from control.recording.archive import Archive
    from control.store.recordings import RecordingRow


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """No proxy headers: uvicorn would believe X-Forwarded-For from 127.0.0.1, and the client's
    address has one rule, control.proxies (FORWARDED_ALLOW_IPS).
    Frames over 64 KiB close the socket (1009); a peer silent past ping + timeout is dropped.
    No per-message deflate: frames are small JSON, and compressing each one for each of a
    channel's members took a quarter of the node's CPU under chat load."""
    return {
        "proxy_headers": False,
        "ws_max_size": 64 * 1024,
        "ws_per_message_deflate": False,
        "ws_ping_interval": settings.ws_ping_interval_s,
        "ws_ping_timeout": settings.ws_ping_timeout_s,
    }


def _serve(settings: Settings, _args: argparse.Namespace) -> int:
    import uvicorn

    from control.app import build_app

    uvicorn.run(build_app(settings), host=settings.host, port=settings.port, log_level=settings.log_level,
                **uvicorn_options(settings))
    return 0


async def _with_db(settings: Settings, action):  # type: ignore[no-untyped-def]
    from control.store.embedded import database_url
    from control.store.postgres import Database, migrate

    async with database_url(settings.database_url, settings.data_dir) as dsn:
        db = await Database.connect(dsn, schema=settings.database_schema, max_size=2)
        try:
            applied = await migrate(db)
            return await action(db, applied)
        finally:
            await db.close()


def _migrate(settings: Settings, _args: argparse.Namespace) -> int:
    async def report(_db: object, applied: list[str]) -> int:
        print(f"applied {len(applied)} migration(s){': ' + ', '.join(applied) if applied else ''}")
        return 0

    return int(asyncio.run(_with_db(settings, report)))


def _user_create(settings: Settings, args: argparse.Namespace) -> int:
    from control.auth.passwords import hash_password
    from control.errors import PeerShareError
    from control.store import users

    password = args.password or getpass.getpass("password: ")
    if len(password) < 8:
        print("error: the password needs at least 8 characters", file=sys.stderr)
        return 2

    async def create(db, _applied):  # type: ignore[no-untyped-def]
        async with db.transaction() as conn:
            user = await users.create_user(
                conn, username=args.username, display_name=args.display_name or args.username,
                email=args.email, email_verified=args.email is not None, password_hash=hash_password(password),
            )
        print(f"created user {user['username']} ({user['id']})")
        return 0

    try:
        return int(asyncio.run(_with_db(settings, create)))
    except PeerShareError as exc:
        print(f"error: {exc.message} ({exc.code})", file=sys.stderr)
        return 1


def _group_list(settings: Settings, args: argparse.Namespace) -> int:
    from control.store import groups

    async def show(db, _applied):  # type: ignore[no-untyped-def]
        async with db.connection() as conn:
            rows = await groups.list_all(conn)
        if args.json:
            print(json.dumps([{k: str(v) if k in ("id", "created_at") else v for k, v in dict(r).items()} for r in rows]))
        else:
            print(f"{'id':36}  {'members':>7}  {'privacy':7}  name")
            for row in rows:
                print(f"{row['id']!s:36}  {row['member_count']:>7}  {row['privacy']:7}  {row['name']}")
        return 0

    return int(asyncio.run(_with_db(settings, show)))


def _stats(settings: Settings, args: argparse.Namespace) -> int:
    from datetime import datetime, timedelta, timezone

    from control.history.deployment import deployment_stats

    if args.since <= 0:
        print("error: --since takes a number of days above 0", file=sys.stderr)
        return 2

    async def show(db, _applied):  # type: ignore[no-untyped-def]
        async with db.connection() as conn:
            stats = await deployment_stats(conn, datetime.now(timezone.utc) - timedelta(days=args.since))
        if args.json:
            print(json.dumps(stats.as_json()))
            return 0

        def share(value: float | None) -> str:
            return "-" if value is None else f"{value:.1%}"

        print(f"calls started in the last {args.since:g} day(s) (since {stats.since:%Y-%m-%d %H:%M} UTC)")
        print(f"  calls            {stats.calls}")
        print(f"  call minutes     {stats.call_minutes:.1f}  (P2P {stats.p2p_minutes:.1f}, SFU {stats.sfu_minutes:.1f})")
        print(f"  relayed by TURN  {stats.relayed_calls}  ({share(stats.turn_share)} of calls)")
        print(f"  joins            {stats.join_successes} of {stats.join_attempts} succeeded"
              f"  ({share(stats.join_success_rate)})")
        return 0

    return int(asyncio.run(_with_db(settings, show)))


async def _with_archive(settings: Settings, action: Callable[[Archive], Awaitable[int]]) -> int:
    from control.recording.archive import Archive
    from control.recording.storage import open_storage

    async def run(db, _applied) -> int:  # type: ignore[no-untyped-def]
        storage = await open_storage(settings)
        try:
            return await action(Archive(db, storage, settings))
        finally:
            await storage.close()

    return int(await _with_db(settings, run))


async def _all_recordings(archive: Archive, group_id: uuid.UUID | None) -> list[RecordingRow]:
    """Every recording (of one group when given), newest first, a page at a time."""
    from control.store import recordings

    found: list[RecordingRow] = []
    after = None
    while True:
        async with archive.db.connection() as conn:
            page = await recordings.search(conn, recordings.Search(group_id=group_id, after=after, limit=500))
        found += page
        if len(page) < 500:
            return found
        after = recordings.Cursor(page[-1].started_at, page[-1].id)


def _recording_json(row: RecordingRow) -> dict[str, Any]:
    import dataclasses

    return {k: v if isinstance(v, (int, float, dict, type(None))) else str(v) for k, v in dataclasses.asdict(row).items()}


def _recordings_list(settings: Settings, args: argparse.Namespace) -> int:
    async def show(archive: Archive) -> int:
        rows = await _all_recordings(archive, args.group)
        if args.json:
            print(json.dumps([_recording_json(r) for r in rows]))
            return 0
        print(f"{'id':36}  {'group':36}  {'state':10}  {'started (UTC)':16}  {'length':>7}  {'MB':>8}  title")
        for r in rows:
            length = f"{r.duration_s:.0f}s" if r.duration_s is not None else "-"
            size = f"{r.size_bytes / 1e6:.1f}" if r.size_bytes is not None else "-"
            print(f"{r.id!s:36}  {r.group_id!s:36}  {r.state:10}  {r.started_at:%Y-%m-%d %H:%M}  {length:>7}"
                  f"  {size:>8}  {r.title}")
        return 0

    return asyncio.run(_with_archive(settings, show))


def _recordings_purge(settings: Settings, args: argparse.Namespace) -> int:
    from control.store import recordings

    async def purge(archive: Archive) -> int:
        async with archive.db.connection() as conn:
            doomed = await recordings.expired(conn, limit=1_000_000, group_id=args.group,
                                              older_than_days=args.older_than)
        if not doomed:
            print("nothing to delete")
            return 0
        if not args.yes:
            if not sys.stdin.isatty():
                print(f"error: {len(doomed)} recording(s) would be deleted; pass --yes to confirm", file=sys.stderr)
                return 1
            if input(f"delete {len(doomed)} recording(s) and their files? [y/N] ").strip().lower() != "y":
                return 1
        for row in doomed:
            async with archive.db.transaction() as conn:
                await archive.remove(conn, row)
        print(f"deleted {len(doomed)} recording(s)")
        return 0

    return asyncio.run(_with_archive(settings, purge))


def _recordings_export(settings: Settings, args: argparse.Namespace) -> int:
    from pathlib import Path

    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn

    dest = Path(args.dest)

    async def export(archive: Archive) -> int:
        rows = [r for r in await _all_recordings(archive, args.group) if r.state == "ready"]
        dest.mkdir(parents=True, exist_ok=True)
        columns = (TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TransferSpeedColumn())
        with Progress(*columns, console=Console(stderr=True)) as progress:
            task = progress.add_task(f"0/{len(rows)}", total=sum(r.size_bytes or 0 for r in rows))
            for done, row in enumerate(rows, start=1):
                assert row.storage_key is not None  # a ready recording has its file
                partial = dest / f".{row.id}.mp4.part"
                with partial.open("wb") as out:
                    async for chunk in archive.storage.read(row.storage_key):
                        out.write(chunk)
                        progress.advance(task, len(chunk))
                partial.replace(dest / f"{row.id}.mp4")
                progress.update(task, description=f"{done}/{len(rows)}")
        (dest / "recordings.json").write_text(json.dumps([_recording_json(r) for r in rows], indent=2))
        print(f"exported {len(rows)} recording(s) to {dest}")
        return 0

    return asyncio.run(_with_archive(settings, export))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="peershare", description="Run and operate a PeerShare node.")
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("serve", help="run a node (default)").set_defaults(run=_serve)
    commands.add_parser("migrate", help="apply pending database migrations").set_defaults(run=_migrate)
    user = commands.add_parser("user", help="manage accounts").add_subparsers(dest="user_command", required=True)
    create = user.add_parser("create", help="create a local account")
    create.add_argument("--username", required=True)
    create.add_argument("--email")
    create.add_argument("--display-name")
    create.add_argument("--password", help="read from the terminal when not given")
    create.set_defaults(run=_user_create)
    group = commands.add_parser("group", help="look at groups").add_subparsers(dest="group_command", required=True)
    listing = group.add_parser("list", help="every group, with its member count")
    listing.add_argument("--json", action="store_true", help="one JSON array instead of a table")
    listing.set_defaults(run=_group_list)
    stats = commands.add_parser("stats", help="the deployment's calls: minutes, TURN share, join success")
    stats.add_argument("--since", type=float, default=30, metavar="DAYS", help="look back this many days (30)")
    stats.add_argument("--json", action="store_true", help="one JSON object instead of text")
    stats.set_defaults(run=_stats)
    recs = commands.add_parser("recordings", help="the recordings archive").add_subparsers(
        dest="recordings_command", required=True)
    rec_list = recs.add_parser("list", help="recordings, newest first")
    rec_list.add_argument("--group", type=uuid.UUID, help="only this group's")
    rec_list.add_argument("--json", action="store_true", help="one JSON array instead of a table")
    rec_list.set_defaults(run=_recordings_list)
    purge = recs.add_parser("purge", help="delete finished recordings (files and rows) older than DAYS")
    purge.add_argument("--older-than", type=int, required=True, metavar="DAYS")
    purge.add_argument("--group", type=uuid.UUID, help="only this group's")
    purge.add_argument("--yes", action="store_true", help="do not ask")
    purge.set_defaults(run=_recordings_purge)
    export = recs.add_parser("export", help="copy a group's finished recordings into a folder, with recordings.json")
    export.add_argument("--group", type=uuid.UUID, required=True)
    export.add_argument("dest", metavar="DEST_DIR")
    export.set_defaults(run=_recordings_export)
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    from control.logging import configure_logging

    configure_logging(settings.log_level)
    return int(getattr(args, "run", _serve)(settings, args))


if __name__ == "__main__":
    sys.exit(main())
