"""A direct connection to a test node's database schema, for tests that check what was stored."""

from __future__ import annotations

import contextlib
from typing import AsyncIterator

import asyncpg

from tests.support.server import RunningServer


@contextlib.asynccontextmanager
async def server_db(server: RunningServer) -> AsyncIterator[asyncpg.Connection]:
    settings = server.settings
    assert settings.database_url is not None
    conn = await asyncpg.connect(settings.database_url, server_settings={"search_path": settings.database_schema})
    try:
        yield conn
    finally:
        await conn.close()
