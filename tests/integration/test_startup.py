"""Starting PeerShare the way operators do: `scripts/run` with the embedded defaults, and
`peershare migrate`."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import asyncpg
import httpx
import pytest

from control.store.postgres import migration_files
from tests.conftest import TEST_DATABASE_URL
from tests.support.turn_client import free_udp_tcp_port

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_healthy(url: str, proc: subprocess.Popen[bytes], timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            output = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
            raise AssertionError(f"scripts/run exited with {proc.returncode}:\n{output[-4000:]}")
        try:
            if httpx.get(f"{url}/api/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError("PeerShare did not become healthy in time")


@pytest.fixture
def embedded_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "JWT_SECRET", "PUBLIC_URL"}}
    # Its own TURN port: coturn's default 3478 may be taken by a PeerShare already running here.
    env.update({"PEERSHARE_DATA": str(tmp_path / "data"), "PORT": str(_free_port()), "HOST": "127.0.0.1",
                "TURN_PORT": str(free_udp_tcp_port())})
    yield env


def _start(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen([str(ROOT / "scripts" / "run")], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def test_scripts_run_uses_embedded_postgres_and_keeps_data_across_restarts(embedded_env: dict[str, str]) -> None:
    url = f"http://127.0.0.1:{embedded_env['PORT']}"
    data = Path(embedded_env["PEERSHARE_DATA"])
    body = {"username": "embedded-user", "password": "a long password"}

    proc = _start(embedded_env)
    try:
        _wait_healthy(url, proc)
        registered = httpx.post(f"{url}/api/auth/register", json=body)
        assert registered.status_code == 201, registered.text
    finally:
        _stop(proc)
    secret = (data / "jwt_secret").read_text()
    assert (data / "postgres" / "PG_VERSION").exists()

    proc = _start(embedded_env)
    try:
        _wait_healthy(url, proc)
        login = httpx.post(f"{url}/api/auth/login", json={"login": body["username"], "password": body["password"]})
        assert login.status_code == 200, login.text
        assert login.json()["user"]["id"] == registered.json()["user"]["id"]
        # The same signing secret: a token from before the restart still works.
        me = httpx.get(f"{url}/api/me", headers={"Authorization": f"Bearer {registered.json()['access_token']}"})
        assert me.status_code == 200
        # The web client is served at / and for its own paths; unknown API paths stay JSON 404s.
        for path in ("/", "/invite/abc", "/network"):
            page = httpx.get(f"{url}{path}")
            assert page.status_code == 200 and '<div id="root">' in page.text
        script = page.text.split('src="', 1)[1].split('"', 1)[0]
        assert httpx.get(f"{url}{script}").headers["content-type"].startswith("text/javascript")
        assert httpx.get(f"{url}/api/nope").json()["error"]["code"] == "not_found"
    finally:
        _stop(proc)
    assert (data / "jwt_secret").read_text() == secret


async def _sql(sql: str) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(TEST_DATABASE_URL)
    try:
        return await conn.fetch(sql)
    finally:
        await conn.close()


def test_peershare_migrate_applies_each_migration_once() -> None:
    schema = f"migrate_{secrets.token_hex(5)}"
    asyncio.run(_sql(f"CREATE SCHEMA {schema}"))
    env = {**os.environ, "DATABASE_URL": TEST_DATABASE_URL, "DATABASE_SCHEMA": schema, "JWT_SECRET": "j" * 40}
    command = [sys.executable, "-m", "control", "migrate"]
    try:
        first = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
        second = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
        rows = asyncio.run(_sql(f"SELECT version FROM {schema}.schema_migrations"))
    finally:
        asyncio.run(_sql(f"DROP SCHEMA {schema} CASCADE"))
    versions = [version for version, _ in migration_files()]
    assert first.stdout.strip() == f"applied {len(versions)} migration(s): {', '.join(versions)}"
    assert second.stdout.strip() == "applied 0 migration(s)"
    assert [r["version"] for r in rows] == versions


def test_peershare_user_create_makes_an_account_that_can_sign_in(server) -> None:  # type: ignore[no-untyped-def]
    settings = server.settings
    env = {**os.environ, "DATABASE_URL": settings.database_url, "DATABASE_SCHEMA": settings.database_schema,
           "JWT_SECRET": "j" * 40}
    username = f"cli{secrets.token_hex(4)}"
    created = subprocess.run(
        [sys.executable, "-m", "control", "user", "create", "--username", username, "--password", "from the cli!"],
        env=env, capture_output=True, text=True,
    )
    assert created.returncode == 0, created.stderr
    login = httpx.post(f"{server.url}/api/auth/login", json={"login": username, "password": "from the cli!"})
    assert login.status_code == 200
    again = subprocess.run(
        [sys.executable, "-m", "control", "user", "create", "--username", username, "--password", "from the cli!"],
        env=env, capture_output=True, text=True,
    )
    assert again.returncode == 1 and "username_taken" in again.stderr


def test_peershare_group_list_shows_every_group_with_its_member_count(server) -> None:  # type: ignore[no-untyped-def]
    from tests.support.api import Api, make_group_with_members

    group = make_group_with_members(Api(server.url), n=2)
    settings = server.settings
    env = {**os.environ, "DATABASE_URL": settings.database_url, "DATABASE_SCHEMA": settings.database_schema,
           "JWT_SECRET": "j" * 40}
    listed = subprocess.run([sys.executable, "-m", "control", "group", "list", "--json"], env=env,
                            capture_output=True, text=True, check=True)
    [mine] = [g for g in json.loads(listed.stdout) if g["id"] == group.id]
    assert mine["member_count"] == 4 and mine["privacy"] == "private"
    table = subprocess.run([sys.executable, "-m", "control", "group", "list"], env=env, capture_output=True,
                           text=True, check=True)
    assert table.stdout.splitlines()[0].split() == ["id", "members", "privacy", "name"]
    assert any(line.startswith(group.id) and line.split()[1] == "4" for line in table.stdout.splitlines())


def test_stopping_scripts_run_also_stops_its_embedded_postgres(embedded_env: dict[str, str]) -> None:
    import psutil

    url = f"http://127.0.0.1:{embedded_env['PORT']}"
    proc = _start(embedded_env)
    try:
        _wait_healthy(url, proc)
    finally:
        _stop(proc)
    pgdata = str(Path(embedded_env["PEERSHARE_DATA"]) / "postgres")
    leftovers = [p for p in psutil.process_iter(["cmdline"]) if pgdata in " ".join(p.info["cmdline"] or [])]
    assert leftovers == []
