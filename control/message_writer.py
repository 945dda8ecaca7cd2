"""Writes new chat messages to PostgreSQL in batches per channel.

A channel's counter row orders its writers, so inserts into one channel are serialised and each
waits for the one before to commit. The writer takes whatever messages queued up for a channel
while its previous insert was running and inserts them in one statement: one lock and one commit
for the lot. With nothing queued a message is written at once, so a quiet channel waits for
nothing.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field

import asyncpg

from control.store import messages
from control.store.postgres import Database


@dataclass
class NewMessage:
    author_id: uuid.UUID
    client_id: str
    body: str
    mentions: list[uuid.UUID]
    # The row as inserted, or None when the author had already sent this client id.
    written: asyncio.Future[asyncpg.Record | None] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future())


class MessageWriter:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._queues: dict[uuid.UUID, list[NewMessage]] = {}
        # The task writing each channel's queue (held here, so it is not collected mid-write).
        self._drains: dict[uuid.UUID, asyncio.Task[None]] = {}

    async def write(self, channel_id: uuid.UUID, message: NewMessage) -> asyncpg.Record | None:
        self._queues.setdefault(channel_id, []).append(message)
        if channel_id not in self._drains:
            self._drains[channel_id] = asyncio.create_task(self._drain(channel_id))
        return await message.written

    async def _drain(self, channel_id: uuid.UUID) -> None:
        try:
            while batch := self._queues.pop(channel_id, []):
                await self._insert(channel_id, batch)
        finally:
            del self._drains[channel_id]

    async def _insert(self, channel_id: uuid.UUID, batch: list[NewMessage]) -> None:
        try:
            async with self._db.connection() as conn:
                rows = await messages.insert_messages(
                    conn, channel_id, [(m.author_id, m.client_id, m.body, m.mentions) for m in batch])
        except Exception as exc:  # every sender of the batch hears of it
            for message in batch:
                if not message.written.done():
                    message.written.set_exception(exc)
            return
        inserted = {(row["author_id"], row["client_id"]): row for row in rows}
        for message in batch:
            if not message.written.done():
                message.written.set_result(inserted.pop((message.author_id, message.client_id), None))
