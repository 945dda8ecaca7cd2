"""The embedded PostgreSQL used when no DATABASE_URL is set: pgserver, kept in the data folder."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from pathlib import Path
from typing import AsyncIterator


@asynccontextmanager
async def database_url(configured: str | None, data_dir: Path) -> AsyncIterator[str]:
    """The configured server's URL; else starts (or reuses) the one in `data_dir/postgres` and
    stops it on the way out. Stopped explicitly: uvicorn ends on SIGTERM by re-raising the signal,
    so pgserver's own atexit hook would never run and the server would outlive us."""
    if configured:
        yield configured
        return
    import pgserver  # imported here: only the embedded mode needs it

    pgdata = data_dir / "postgres"
    pgdata.mkdir(parents=True, exist_ok=True)
    # pgserver blocks while initdb/pg_ctl run; keep the event loop free.
    server = await asyncio.to_thread(pgserver.get_server, pgdata, cleanup_mode="stop")  # type: ignore[attr-defined]
    try:
        yield str(server.get_uri())
    finally:
        await asyncio.to_thread(server.cleanup)
