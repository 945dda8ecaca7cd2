"""Fixtures shared by the tests: a fresh PostgreSQL schema per test session and a real node."""

from __future__ import annotations

import asyncio
import secrets
from typing import Any, Callable, Iterator

import asyncpg
import pytest

from control.settings import Settings
from tests.support import services
from tests.support.api import Api
from tests.support.server import RunningServer, start_server

TEST_DATABASE_URL = services.database_url()
TEST_REDIS_URL = services.redis_url()


async def _execute(sql: str) -> None:
    conn = await asyncpg.connect(TEST_DATABASE_URL)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def db_schema() -> Iterator[str]:
    """A schema of its own for this test session, dropped at the end."""
    schema = f"test_{secrets.token_hex(6)}"
    asyncio.run(_execute(f"CREATE SCHEMA {schema}"))
    yield schema
    asyncio.run(_execute(f"DROP SCHEMA {schema} CASCADE"))


@pytest.fixture(scope="session")
def base_settings(db_schema: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(
        data_dir=tmp_path_factory.mktemp("data"),
        database_url=TEST_DATABASE_URL,
        database_schema=db_schema,
        jwt_secret=secrets.token_urlsafe(48),
        # Every test client comes from 127.0.0.1: the shared node must not throttle them.
        auth_rate_limit=100_000,
    )


@pytest.fixture(scope="session")
def server(base_settings: Settings) -> Iterator[RunningServer]:
    running = start_server(base_settings)
    yield running
    running.stop()


@pytest.fixture
def api(server: RunningServer) -> Api:
    return Api(server.url)


def _nodes(base_settings: Settings) -> Iterator[Callable[..., RunningServer]]:
    started: list[RunningServer] = []

    def start(**overrides: Any) -> RunningServer:
        running = start_server(base_settings, **overrides)
        started.append(running)
        return running

    yield start
    for running in started:
        running.stop()


@pytest.fixture
def server_factory(base_settings: Settings) -> Iterator[Callable[..., RunningServer]]:
    """Starts extra nodes with other settings (same database); stops them after the test."""
    yield from _nodes(base_settings)


@pytest.fixture(scope="module")
def server_factory_module(base_settings: Settings) -> Iterator[Callable[..., RunningServer]]:
    """The same, for nodes a whole test module shares."""
    yield from _nodes(base_settings)
