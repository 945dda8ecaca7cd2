"""`peershare`: the operators' command line. `peershare serve` runs a node; `peershare migrate`
brings the database schema up to date; `peershare user create` makes a local account;
`peershare group list` lists the groups."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import sys
from typing import Any

from control.settings import Settings


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
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    from control.logging import configure_logging

    configure_logging(settings.log_level)
    return int(getattr(args, "run", _serve)(settings, args))


if __name__ == "__main__":
    sys.exit(main())
