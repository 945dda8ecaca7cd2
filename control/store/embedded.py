"""The embedded PostgreSQL used when no DATABASE_URL is set: pgserver, kept in the data folder."""

from __future__ import annotations

import asyncio
from pathlib import Path


async def start_embedded_postgres(data_dir: Path) -> str:
    """Starts (or reuses) the server whose files live in `data_dir/postgres`; returns its DSN."""
    import pgserver  # imported here: only the embedded mode needs it

    pgdata = data_dir / "postgres"
    pgdata.mkdir(parents=True, exist_ok=True)
    # pgserver blocks while initdb/pg_ctl run; keep the event loop free.
    server = await asyncio.to_thread(pgserver.get_server, pgdata, cleanup_mode="stop")
    return str(server.get_uri())
